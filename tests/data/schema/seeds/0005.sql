-- Rows of a project used under schema 5: writes done under request keys, one with its
-- result recorded, one whose result was lost (the server stopped after the commit),
-- and one old enough to be purged.
INSERT INTO request_keys (user_id, key, method, digest, outcome, created_at) VALUES
    (1, 'seed-key-0000000001', 'ticket.create',
     '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
     CAST('{"id":1,"subject":"Printer on fire"}' AS BLOB), 1767225600000000),
    (1, 'seed-key-0000000002', 'message.post',
     'aa1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
     NULL, 1767225601000000),
    (2, 'seed-key-0000000001', 'message.post',
     'bb1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
     CAST('{"id":9}' AS BLOB), 1700000000000000);
