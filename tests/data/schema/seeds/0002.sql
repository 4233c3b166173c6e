-- Rows of the mail queue and the sign-in request log, in the schema of migration 0002,
-- added on top of the rows of 0001 (scripts/make_schema_fixtures.py). Bodies are sealed
-- with the project's key, which a fixture does not have: these mails were delivered
-- or given up, and their bodies dropped (NULL), as the queue does after delivery.
-- Times are microseconds since the epoch (2026-01-06 09:00 UTC = 1767690000000000).

INSERT INTO mail_queue (id, kind, recipient, subject, body, headers, message_key,
                        created_at, queued_at, not_after, status, attempts,
                        next_attempt_at, last_attempt_at, last_error, sent_at) VALUES
    (1, 'sign_in', 'new@customer.example', 'Your sign-in code for Acme support', NULL,
     '[["X-Hero-Assistance","sign-in"]]', 'seed-0002-1', 1767690000000000,
     1767690000000000, 1767690900000000, 'sent', 1, 1767690000000000, 1767690001000000,
     NULL, 1767690001000000),
    (2, 'sign_in', 'bob@customer.example', 'Your sign-in code for Acme support', NULL,
     '[]', 'seed-0002-2', 1767690100000000, 1767690100000000, 1767691000000000, 'failed',
     5, 1767690100000000, 1767691000000000, 'the mail server did not accept the email',
     NULL);

INSERT INTO sign_in_requests (id, at, device_addr, device_label, email, user_id, outcome,
                              link_id) VALUES
    (1, 1767690000000000, '4aa:5::2', 'new laptop', 'new@customer.example', 5, 'mailed', 2),
    (2, 1767690100000000, '4aa:9::9', 'unknown laptop', 'nobody@else.example', NULL,
     'unknown', NULL);
