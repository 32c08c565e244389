-- migrate:revision r000000000009
-- migrate:down_revision r000000000008

-- migrate:upgrade
CREATE TABLE t_09 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_09;
