-- migrate:revision aaaa00000001
-- migrate:message revision aaaa00000001

-- migrate:upgrade
CREATE TABLE t_a (v varchar(20));

-- migrate:downgrade
DROP TABLE t_a;
