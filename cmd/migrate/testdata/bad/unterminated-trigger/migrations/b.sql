-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
CREATE TABLE t_b (id integer);
CREATE TRIGGER trg AFTER INSERT ON t_b BEGIN
  UPDATE t_b SET id = id;
