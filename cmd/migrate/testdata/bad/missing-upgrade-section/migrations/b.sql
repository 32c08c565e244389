-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:downgrade
DROP TABLE t_b;
