-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
SELECT E'it\'s;
SELECT 2;
