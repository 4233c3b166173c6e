-- Rows under migration 0004 (indexes that bound the unread count): an agent marks an
-- old ticket as unread again (a read mark at the epoch), the case the second walk finds.

INSERT INTO ticket_reads (user_id, ticket_id, read_at) VALUES (1, 2, 0)
    ON CONFLICT (user_id, ticket_id) DO UPDATE SET read_at = excluded.read_at;
