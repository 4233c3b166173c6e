-- Rows of a project that has been used for a while, in the schema of migration 0001.
-- scripts/make_schema_fixtures.py applies this after 0001 when it builds the database
-- of every level from 1 on; a later migration finds these rows and must keep them.
-- Times are microseconds since the epoch (2026-01-05 09:00 UTC = 1767603600000000).

INSERT INTO project (id, name, customers_see_all_tickets) VALUES (1, 'Acme support', 0);

INSERT INTO users (id, email, display_name, role, status, created_at) VALUES
    (1, 'ops@acme.example', 'Ops', 'admin', 'active', 1767603600000000),
    (2, 'agent@acme.example', 'Ágnes Agent', 'agent', 'active', 1767603660000000),
    (3, 'ada@customer.example', 'Ada O''Brien', 'customer', 'active', 1767603720000000),
    (4, 'bob@customer.example', 'Bob', 'customer', 'disabled', 1767603780000000),
    (5, 'new@customer.example', 'New Person', 'customer', 'invited', 1767603840000000);

INSERT INTO device_bindings (mycelium_addr, user_id, device_label, bound_at, last_seen) VALUES
    ('4aa:1::2', 1, 'ops desk', 1767603900000000, 1767690000000000),
    ('4aa:2::2', 2, 'agent laptop', 1767603960000000, 1767690060000000),
    ('4aa:3::2', 3, 'Ada''s laptop', 1767604020000000, 1767690120000000),
    ('4aa:3::3', 3, 'Ada''s phone', 1767604080000000, 1767604080000000),
    ('4aa:4::2', 4, 'bob', 1767604140000000, 1767604140000000);

INSERT INTO magic_links (id, user_id, device_addr, device_label, token_hash, code_hash,
                         created_at, expires_at, attempts, consumed_at, revoked) VALUES
    (1, 3, '4aa:3::2', 'Ada''s laptop',
     'a3f1c0de5b2e4f6a8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d',
     'b4e2d1ef6c3f5a7b9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e',
     1767604000000000, 1767604900000000, 0, 1767604020000000, 0),
    (2, 5, '4aa:5::2', 'new laptop',
     'c5f3e2f07d4a6b8c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f',
     'd6a4f3018e5b7c9d1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80',
     1767690000000000, 1767690900000000, 1, NULL, 0);

INSERT INTO tickets (id, subject, body, status, priority, tags, requester_id, assignee_id,
                     created_at, updated_at) VALUES
    (1, 'Printer on floor 2 prints blank pages',
     'Since Monday every job comes out blank.\nToner is new.', 'open', 'high',
     '["printer","floor-2"]', 3, 2, 1767605000000000, 1767606000000000),
    (2, 'Invoice address is wrong', 'Please change it to Straße 1, Köln.', 'resolved',
     'normal', '["billing"]', 3, 2, 1767605100000000, 1767607000000000),
    (3, 'VPN drops every hour', '', 'new', 'urgent', '[]', 4, NULL,
     1767605200000000, 1767605200000000),
    (4, 'Feature request: dark mode', 'Would be nice.', 'closed', 'low',
     '["ideas","ui"]', 3, NULL, 1767605300000000, 1767608000000000);

INSERT INTO ticket_events (id, ticket_id, actor_id, at, field, old, new) VALUES
    (1, 1, 2, 1767605500000000, 'status', 'new', 'open'),
    (2, 1, 2, 1767605500000000, 'assignee', NULL, '2'),
    (3, 2, 2, 1767607000000000, 'status', 'open', 'resolved'),
    (4, 4, 3, 1767608000000000, 'status', 'new', 'closed');

INSERT INTO attachments (sha256, mime, size, width, height, created_at) VALUES
    ('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'image/png',
     4123, 640, 480, 1767605400000000);
INSERT INTO attachment_uploaders (sha256, user_id, uploaded_at) VALUES
    ('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 3,
     1767605400000000);

INSERT INTO messages (id, ticket_id, parent_id, author_id, body, visibility, attachments,
                      created_at, edited_at) VALUES
    (1, 1, NULL, 3, 'Here is a photo of the page.', 'public',
     '["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]',
     1767605450000000, NULL),
    (2, 1, 1, 2, 'Thanks, checking the **fuser** now.', 'public', '[]',
     1767605600000000, 1767605700000000),
    (3, 1, NULL, 2, 'Internal: vendor ticket #4471 opened.', 'internal', '[]',
     1767605650000000, NULL),
    (4, 2, NULL, 2, 'Changed, see your next invoice.', 'public', '[]',
     1767606900000000, NULL);

INSERT INTO message_revisions (message_id, number, body, editor_id, replaced_at) VALUES
    (2, 1, 'Thanks, checking the fuser.', 2, 1767605700000000);

INSERT INTO presence (device_addr, user_id, role, state, viewing_ticket_id, typing,
                      last_seen) VALUES
    ('4aa:2::2', 2, 'agent', 'online', 1, 0, 1767690060000000);

INSERT INTO events (seq, kind, ticket_id, requester_id, internal, occurred_at, data) VALUES
    (1, 'ticket.created', 1, 3, 0, 1767605000000000, '{"ticket_id":1}'),
    (2, 'message.created', 1, 3, 0, 1767605450000000, '{"ticket_id":1,"message_id":1}'),
    (3, 'ticket.updated', 1, 3, 0, 1767605500000000, '{"ticket_id":1}'),
    (4, 'message.created', 1, 3, 1, 1767605650000000, '{"ticket_id":1,"message_id":3}'),
    (5, 'ticket.created', 3, 4, 0, 1767605200000000, '{"ticket_id":3}');
