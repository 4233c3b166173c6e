-- 0002: the durable mail queue and the log of sign-in requests (D-15).
--
-- A mail is queued in the same transaction as the change that causes it and sent
-- afterwards by the server's mail worker. Its body (text and HTML parts) is stored
-- sealed with AES-256-GCM under the key in the data directory's key file, bound to
-- the row by its id and message key, and set to NULL once the mail was sent or its
-- deadline passed: the file never holds a sign-in link or code in readable form.
-- Kind, recipient, subject and extra headers are stored in clear; they carry no secrets.

CREATE TABLE mail_queue (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body BLOB,                        -- sealed JSON {"text", "html"}; NULL once dropped
    headers TEXT NOT NULL,            -- JSON array of [name, value]
    message_key TEXT NOT NULL UNIQUE, -- local part of the Message-ID, the same on every try
    created_at INTEGER NOT NULL,
    queued_at INTEGER NOT NULL,
    not_after INTEGER,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_error TEXT,
    sent_at INTEGER
);
-- The worker's question ("what is due?") reads only pending rows, soonest first.
CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX mail_queue_by_status ON mail_queue (status, id);

-- One row per auth.request_link that passed the device's own limits, whatever the
-- email: the request path writes exactly this row, the same for enrolled and unknown
-- addresses. The mail worker then handles it (outcome 'received' -> what it led to):
-- the email asked for is set to NULL then, so unknown emails are not kept, and an
-- enrolled one is known by its user_id. Rows older than a day are deleted.
CREATE TABLE sign_in_requests (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    device_addr TEXT NOT NULL,
    device_label TEXT NOT NULL,
    email TEXT,
    user_id INTEGER,
    outcome TEXT NOT NULL,
    link_id INTEGER
);
CREATE INDEX sign_in_requests_received ON sign_in_requests (id) WHERE outcome = 'received';
CREATE INDEX sign_in_requests_by_user ON sign_in_requests (user_id, at);
CREATE INDEX sign_in_requests_by_time ON sign_in_requests (at);
