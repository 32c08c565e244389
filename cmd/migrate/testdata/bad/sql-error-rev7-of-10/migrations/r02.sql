-- migrate:revision r000000000002
-- migrate:down_revision r000000000001

-- migrate:upgrade
CREATE TABLE t_02 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_02;
