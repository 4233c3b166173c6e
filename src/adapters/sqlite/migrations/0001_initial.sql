-- 0001: the initial schema.
--
-- Times are INTEGER microseconds since the epoch (domain.listing.timestamp_key), so
-- they sort as numbers and round-trip exactly. Ordered lists that belong to a row
-- (ticket tags, message attachments) are stored on the row as a JSON array, which
-- keeps their order; a side table maintained by triggers indexes them for lookups.
--
-- Foreign keys are declared exactly where the repositories promise to refuse a
-- dangling reference (a device of an unknown user, a message on an unknown ticket,
-- an uploader of an unknown attachment). Elsewhere the domain checks first and the
-- in-memory adapter accepts any id, so the schema does too.

CREATE TABLE project (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    customers_see_all_tickets INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE device_bindings (
    mycelium_addr TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    device_label TEXT NOT NULL,
    bound_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX device_bindings_by_user ON device_bindings (user_id, bound_at, mycelium_addr);

CREATE TABLE magic_links (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    device_addr TEXT NOT NULL,
    device_label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    consumed_at INTEGER,
    revoked INTEGER NOT NULL
);
CREATE INDEX magic_links_by_device ON magic_links (device_addr);
CREATE INDEX magic_links_by_user ON magic_links (user_id);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    tags TEXT NOT NULL,               -- JSON array, in the ticket's order
    requester_id INTEGER NOT NULL,
    assignee_id INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Keyset orders: (updated_at DESC, id DESC) for the inbox; the rowid is the id, so an
-- index on a column is already ordered by (column, id).
CREATE INDEX tickets_by_updated ON tickets (updated_at);
CREATE INDEX tickets_by_requester ON tickets (requester_id, updated_at);
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, updated_at);
CREATE INDEX tickets_by_status ON tickets (status, updated_at);

CREATE TABLE ticket_tags (
    tag TEXT NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, ticket_id)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_by_ticket ON ticket_tags (ticket_id);

CREATE TRIGGER tickets_tags_insert AFTER INSERT ON tickets BEGIN
    INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
        SELECT value, new.id FROM json_each(new.tags);
END;
CREATE TRIGGER tickets_tags_update AFTER UPDATE OF tags ON tickets
WHEN old.tags IS NOT new.tags BEGIN
    DELETE FROM ticket_tags WHERE ticket_id = old.id;
    INSERT OR IGNORE INTO ticket_tags (tag, ticket_id)
        SELECT value, new.id FROM json_each(new.tags);
END;

CREATE TABLE ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    field TEXT NOT NULL,
    old TEXT,
    new TEXT
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY CHECK (id BETWEEN 0 AND 4294967295),    -- fits 32 bits
    ticket_id INTEGER NOT NULL REFERENCES tickets (id)
        CHECK (ticket_id BETWEEN 0 AND 2147483647),                  -- fits 31 bits
    parent_id INTEGER,
    author_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    visibility TEXT NOT NULL,
    attachments TEXT NOT NULL,        -- JSON array of sha256, in the message's order
    created_at INTEGER NOT NULL,
    edited_at INTEGER
);
CREATE INDEX messages_by_ticket ON messages (ticket_id);

CREATE TABLE message_revisions (
    message_id INTEGER NOT NULL,
    number INTEGER NOT NULL,
    body TEXT NOT NULL,
    editor_id INTEGER NOT NULL,
    replaced_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, number)
);

CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE attachment_uploaders (
    sha256 TEXT NOT NULL REFERENCES attachments (sha256),
    user_id INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (sha256, user_id)
) WITHOUT ROWID;

CREATE TABLE message_attachments (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX message_attachments_by_sha ON message_attachments (sha256, message_id);

CREATE TRIGGER messages_attachments_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_attachments (message_id, position, sha256)
        SELECT new.id, key, value FROM json_each(new.attachments);
END;
CREATE TRIGGER messages_attachments_update AFTER UPDATE OF attachments ON messages
WHEN old.attachments IS NOT new.attachments BEGIN
    DELETE FROM message_attachments WHERE message_id = old.id;
    INSERT INTO message_attachments (message_id, position, sha256)
        SELECT new.id, key, value FROM json_each(new.attachments);
END;

CREATE TABLE presence (
    device_addr TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    role TEXT NOT NULL,
    state TEXT NOT NULL,
    viewing_ticket_id INTEGER,
    typing INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX presence_by_ticket ON presence (viewing_ticket_id, device_addr);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    ticket_id INTEGER,
    requester_id INTEGER,
    internal INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    data TEXT NOT NULL                -- a JSON object
);

-- Full-text search. Contentless indexes (the text lives once, in tickets and messages)
-- kept in step by triggers; rowid = ticket id, message id. The text is indexed through
-- search_fold() (case folding, compatibility decomposition, accents dropped: see
-- _fts.py), a function every connection of the adapter registers, so that "straße"
-- matches "strasse" and "ﬁle" matches "file" exactly as the in-memory adapter decides.
CREATE VIRTUAL TABLE tickets_fts USING fts5 (
    subject, body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, body)
        VALUES (new.id, search_fold(new.subject), search_fold(new.body));
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF subject, body ON tickets
WHEN old.subject IS NOT new.subject OR old.body IS NOT new.body BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)
        VALUES ('delete', old.id, search_fold(old.subject), search_fold(old.body));
    INSERT INTO tickets_fts (rowid, subject, body)
        VALUES (new.id, search_fold(new.subject), search_fold(new.body));
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, body)
        VALUES ('delete', old.id, search_fold(old.subject), search_fold(old.body));
END;

-- A message's FTS rowid is (ticket_id << 32) | message id: FTS5 walks its rowids in
-- order, so "newest tickets whose messages match" streams in ticket order and stops
-- after one page, with no sort of every matching message. The ids are bounded to fit
-- (see the CHECKs on messages).
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    body,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, body)
        VALUES ((new.ticket_id << 32) | new.id, search_fold(new.body));
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, ticket_id ON messages
WHEN old.body IS NOT new.body OR old.ticket_id IS NOT new.ticket_id BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        VALUES ('delete', (old.ticket_id << 32) | old.id, search_fold(old.body));
    INSERT INTO messages_fts (rowid, body)
        VALUES ((new.ticket_id << 32) | new.id, search_fold(new.body));
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body)
        VALUES ('delete', (old.ticket_id << 32) | old.id, search_fold(old.body));
END;
