-- migrate:revision bbbb00000002
-- migrate:down_revision ffff00000009
-- migrate:message revision bbbb00000002

-- migrate:upgrade
CREATE TABLE t_bbbb00000002 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_bbbb00000002;
