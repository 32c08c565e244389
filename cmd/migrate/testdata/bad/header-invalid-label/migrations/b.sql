-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001
-- migrate:branch_labels bad label!

-- migrate:upgrade
CREATE TABLE t_b (id integer);
