-- migrate:revision r000000000003
-- migrate:down_revision r000000000002

-- migrate:upgrade
CREATE TABLE t_03 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_03;
