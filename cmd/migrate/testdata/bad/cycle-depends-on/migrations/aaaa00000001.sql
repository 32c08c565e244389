-- migrate:revision aaaa00000001
-- migrate:depends_on bbbb00000002

-- migrate:upgrade
CREATE TABLE t_a (id integer);
