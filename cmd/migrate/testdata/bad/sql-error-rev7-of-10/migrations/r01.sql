-- migrate:revision r000000000001

-- migrate:upgrade
CREATE TABLE t_01 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_01;
