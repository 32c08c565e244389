-- migrate:revision cccc00000003
-- migrate:down_revision bbbb00000002
-- migrate:message revision cccc00000003

-- migrate:upgrade
CREATE TABLE t_cccc00000003 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_cccc00000003;
