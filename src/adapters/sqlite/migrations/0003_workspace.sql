-- 0003: the agent's workspace (issue 14, D-17): teams, staff activity and unread marks,
-- queue counts kept by triggers, tag counts for suggestions, canned replies, and why a
-- history entry happened.
--
-- Queues are read many times a second by every open tab, over up to a million tickets:
-- counting rows per request does not scale, so counts are maintained (ticket_tally,
-- tag_counts) by triggers in the same transaction as the change, and the queue pages
-- read partial indexes over the tickets that still need work.

ALTER TABLE tickets ADD COLUMN team_id INTEGER;
-- What staff can see happen (public changes, internal notes, the team); only forwards.
ALTER TABLE tickets ADD COLUMN activity_at INTEGER NOT NULL DEFAULT 0;
UPDATE tickets SET activity_at = MAX(updated_at, COALESCE(
    (SELECT MAX(m.created_at) FROM messages AS m WHERE m.ticket_id = tickets.id), 0));

ALTER TABLE ticket_events ADD COLUMN reason TEXT;

CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_by_name ON teams (lower(name));

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_by_user ON team_members (user_id, team_id);

-- The queues. "Open" is new, open or pending; the literal list here is the one the
-- queries name (domain OPEN_STATUSES), which is what lets SQLite pick these indexes.
CREATE INDEX tickets_open_by_updated ON tickets (updated_at)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_open_by_assignee ON tickets (assignee_id, updated_at)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_open_by_team ON tickets (team_id, updated_at)
    WHERE status IN ('new', 'open', 'pending');
CREATE INDEX tickets_by_team ON tickets (team_id, updated_at);
-- Priority order: one key, rank * 2^53 + updated_at (microseconds fit 53 bits until
-- the year 2255), so a keyset page of "most urgent first" seeks like the others.
CREATE INDEX tickets_by_priority ON tickets (
    (CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END)
    * 9007199254740992 + updated_at);
CREATE INDEX tickets_open_by_priority ON tickets (
    (CASE priority WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END)
    * 9007199254740992 + updated_at)
    WHERE status IN ('new', 'open', 'pending');

-- How many tickets there are of each status, assignee and team (0: none): the live
-- counts of every queue are sums over this small table.
CREATE TABLE ticket_tally (
    status TEXT NOT NULL,
    assignee_id INTEGER NOT NULL,
    team_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (status, assignee_id, team_id)
) WITHOUT ROWID;
INSERT INTO ticket_tally (status, assignee_id, team_id, n)
    SELECT status, COALESCE(assignee_id, 0), COALESCE(team_id, 0), count(*)
    FROM tickets GROUP BY 1, 2, 3;

CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_tally (status, assignee_id, team_id, n)
        VALUES (new.status, COALESCE(new.assignee_id, 0), COALESCE(new.team_id, 0), 1)
        ON CONFLICT (status, assignee_id, team_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER tickets_tally_update AFTER UPDATE OF status, assignee_id, team_id ON tickets
WHEN old.status IS NOT new.status OR old.assignee_id IS NOT new.assignee_id
    OR old.team_id IS NOT new.team_id BEGIN
    UPDATE ticket_tally SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0)
        AND team_id = COALESCE(old.team_id, 0);
    INSERT INTO ticket_tally (status, assignee_id, team_id, n)
        VALUES (new.status, COALESCE(new.assignee_id, 0), COALESCE(new.team_id, 0), 1)
        ON CONFLICT (status, assignee_id, team_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER tickets_tally_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_tally SET n = n - 1
        WHERE status = old.status AND assignee_id = COALESCE(old.assignee_id, 0)
        AND team_id = COALESCE(old.team_id, 0);
END;

-- How many tickets carry each tag: suggestions by prefix, most used first.
CREATE TABLE tag_counts (
    tag TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO tag_counts (tag, n) SELECT tag, count(*) FROM ticket_tags GROUP BY tag;

CREATE TRIGGER ticket_tags_count_insert AFTER INSERT ON ticket_tags BEGIN
    INSERT INTO tag_counts (tag, n) VALUES (new.tag, 1)
        ON CONFLICT (tag) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER ticket_tags_count_delete AFTER DELETE ON ticket_tags BEGIN
    UPDATE tag_counts SET n = n - 1 WHERE tag = old.tag;
    DELETE FROM tag_counts WHERE tag = old.tag AND n <= 0;
END;

-- Unread state, per user: the ticket's activity the user has seen up to.
CREATE TABLE ticket_reads (
    user_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, ticket_id)
) WITHOUT ROWID;

CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    shared INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_replies_by_owner ON canned_replies (owner_id, id);
