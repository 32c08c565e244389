-- migrate:revision r000000000005
-- migrate:down_revision r000000000004

-- migrate:upgrade
CREATE TABLE t_05 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_05;
