-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
INSERT INTO t_a VALUES ('it\');
SELECT 1;
