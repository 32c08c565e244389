-- migrate:revision bbbb00000002
-- migrate:down_revision bbbb00000002
-- migrate:message revision bbbb00000002

-- migrate:upgrade
CREATE TABLE t_bbbb00000002 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_bbbb00000002;
