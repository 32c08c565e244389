-- migrate:revision abcd00000001
-- migrate:message revision abcd00000001

-- migrate:upgrade
CREATE TABLE t_abcd00000001 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_abcd00000001;
