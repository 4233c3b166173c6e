-- 0006: service levels (issue 15, D-19): the project's business calendar and the
-- targets of each priority's policy.
--
-- One calendar per project (the row with id 1; none: the default calendar applies).
-- Weekly hours are JSON [[weekday, start minute, end minute], ...] (weekday 0 = Monday,
-- minutes after local midnight, end up to 1440) and holidays a JSON list of ISO dates:
-- both are read and written whole, never queried.
CREATE TABLE business_calendar (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    zone TEXT NOT NULL,
    hours TEXT NOT NULL,
    holidays TEXT NOT NULL
);

-- A policy is the targets of one priority: at most one of each kind.
CREATE TABLE service_level_targets (
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    kind TEXT NOT NULL CHECK (kind IN ('first_response', 'next_response', 'resolution')),
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    business INTEGER NOT NULL CHECK (business IN (0, 1)),
    PRIMARY KEY (priority, kind)
) WITHOUT ROWID;
