-- migrate:revision aaaa00000001
-- migrate:message revision aaaa00000001

-- migrate:upgrade
CREATE TABLE t_aaaa00000001 (id integer PRIMARY KEY);

-- migrate:downgrade
DROP TABLE t_aaaa00000001;
