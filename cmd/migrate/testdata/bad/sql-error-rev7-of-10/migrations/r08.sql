-- migrate:revision r000000000008
-- migrate:down_revision r000000000007

-- migrate:upgrade
CREATE TABLE t_08 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_08;
