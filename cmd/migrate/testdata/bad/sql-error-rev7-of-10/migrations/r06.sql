-- migrate:revision r000000000006
-- migrate:down_revision r000000000005

-- migrate:upgrade
CREATE TABLE t_06 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_06;
