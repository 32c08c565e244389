-- migrate:revision
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
CREATE TABLE t_b (id integer);
