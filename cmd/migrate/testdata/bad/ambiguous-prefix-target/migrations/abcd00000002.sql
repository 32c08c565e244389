-- migrate:revision abcd00000002
-- migrate:down_revision abcd00000001
-- migrate:message revision abcd00000002

-- migrate:upgrade
CREATE TABLE t_abcd00000002 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_abcd00000002;
