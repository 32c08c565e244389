-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
CREATE PROCEDURE p()
BEGIN
  INSERT INTO t_a VALUES ('x');
