-- migrate:revision r000000000004
-- migrate:down_revision r000000000003

-- migrate:upgrade
CREATE TABLE t_04 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_04;
