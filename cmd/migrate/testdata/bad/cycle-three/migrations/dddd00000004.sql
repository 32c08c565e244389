-- migrate:revision dddd00000004
-- migrate:down_revision cccc00000003
-- migrate:message revision dddd00000004

-- migrate:upgrade
CREATE TABLE t_dddd00000004 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_dddd00000004;
