-- migrate:revision r000000000007
-- migrate:down_revision r000000000006

-- migrate:upgrade
CREATE TABLE t_07 (id integer PRIMARY KEY);
INSERT INTO no_such_table VALUES (1);

-- migrate:downgrade
DROP TABLE t_07;
