-- migrate:upgrade
CREATE TABLE t_b (id integer);
-- migrate:revision bbbb00000002
