-- migrate:revision a1
-- migrate:upgrade
CREATE TABLE t (id bigint PRIMARY KEY);
-- migrate:downgrade
DROP TABLE t;
