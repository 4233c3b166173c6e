-- Rows of the agent's workspace (teams, unread marks, canned replies, why a change
-- happened), in the schema of migration 0003, added on top of the rows of 0001 and 0002
-- (scripts/make_schema_fixtures.py). The queue and tag counts are the migration's
-- triggers' business: these rows go through them as the server's writes do.
-- Times are microseconds since the epoch (2026-01-07 09:00 UTC = 1767776400000000).

INSERT INTO teams (id, name, created_at) VALUES
    (1, 'Printers & hardware', 1767776400000000),
    (2, 'Billing', 1767776460000000);

INSERT INTO team_members (team_id, user_id) VALUES (1, 2), (1, 1), (2, 1);

-- Tickets routed to a team: a staff-only change, so only the staff activity moves.
UPDATE tickets SET team_id = 1, activity_at = 1767776520000000 WHERE id IN (1, 3);
UPDATE tickets SET team_id = 2, activity_at = 1767776580000000 WHERE id = 2;

-- A ticket filed under the workspace, resolved, then reopened by its customer's reply.
INSERT INTO tickets (id, subject, body, status, priority, tags, requester_id, assignee_id,
                     created_at, updated_at, team_id, activity_at) VALUES
    (5, 'Toner warning after the repair', 'The display says "toner low" again.', 'open',
     'normal', '["printer","toner"]', 3, 2, 1767776700000000, 1767780000000000, 1,
     1767780000000000);

INSERT INTO messages (id, ticket_id, parent_id, author_id, body, visibility, attachments,
                      created_at, edited_at) VALUES
    (5, 5, NULL, 2, 'Hello Ada O''Brien, a new cartridge is on its way.', 'public', '[]',
     1767777000000000, NULL),
    (6, 5, 5, 3, 'It came, but the warning is still there.', 'public', '[]',
     1767780000000000, NULL);

INSERT INTO ticket_events (id, ticket_id, actor_id, at, field, old, new, reason) VALUES
    (5, 1, 2, 1767776520000000, 'team_id', NULL, '1', NULL),
    (6, 3, 1, 1767776520000000, 'team_id', NULL, '1', NULL),
    (7, 2, 1, 1767776580000000, 'team_id', NULL, '2', NULL),
    (8, 5, 3, 1767776700000000, 'created', NULL, 'new', NULL),
    (9, 5, 2, 1767777000000000, 'status', 'new', 'resolved', NULL),
    (10, 5, 3, 1767780000000000, 'status', 'resolved', 'open', 'reopened by reply');

-- Who has seen what: the agent read ticket 1 and the reopened ticket 5 before the
-- customer's reply (so 5 is unread for them again); Ada read hers.
INSERT INTO ticket_reads (user_id, ticket_id, read_at) VALUES
    (2, 1, 1767776520000000),
    (2, 5, 1767777000000000),
    (3, 5, 1767780000000000),
    (3, 1, 1767605600000000);

INSERT INTO canned_replies (id, owner_id, shared, title, body, created_at, updated_at)
VALUES
    (1, 1, 1, 'Greeting', 'Hello {{customer.name}},

thanks for writing to {{project.name}} about "{{ticket.subject}}".

{{agent.name}}', 1767776400000000, 1767776400000000),
    (2, 2, 0, 'Toner', 'A new cartridge is on its way to you (ticket #{{ ticket.id }}).',
     1767776460000000, 1767776900000000);
