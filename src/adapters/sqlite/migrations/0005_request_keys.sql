-- 0005: request keys (issue 13, D-18). A write sent with a client's request_key stores
-- the key here in the same transaction as the write; a repeat of the write finds it and
-- gets the recorded result instead of a second write. Kept at least 24 h, then purged
-- in bounded batches, oldest first (request_keys_by_age).

CREATE TABLE request_keys (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    digest TEXT NOT NULL,
    -- The write's result as the wire encoded it; NULL between the write's commit and
    -- the moment its result is recorded (a server stopped in between leaves it NULL).
    outcome BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX request_keys_by_age ON request_keys (created_at);
