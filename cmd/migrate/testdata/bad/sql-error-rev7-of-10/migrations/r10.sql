-- migrate:revision r000000000010
-- migrate:down_revision r000000000009

-- migrate:upgrade
CREATE TABLE t_10 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_10;
