-- Rows of service levels (issue 15), in the schema of migration 0006, added on top of
-- the rows of 0001 to 0005 (scripts/make_schema_fixtures.py): an Amsterdam office
-- calendar with a split Friday and two holidays, and the policies of two priorities
-- (urgent in business time; high with a wall-clock resolution target).

INSERT INTO business_calendar (id, zone, hours, holidays) VALUES
    (1, 'Europe/Amsterdam',
     '[[0,540,1020],[1,540,1020],[2,540,1020],[3,540,1020],[4,540,720],[4,780,960]]',
     '["2026-04-06","2026-12-25"]');

INSERT INTO service_level_targets (priority, kind, minutes, business) VALUES
    ('urgent', 'first_response', 60, 1),
    ('urgent', 'next_response', 120, 1),
    ('urgent', 'resolution', 480, 1),
    ('high', 'first_response', 240, 1),
    ('high', 'resolution', 4320, 0);
