-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
SELECT 1;
CREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $other$ LANGUAGE sql;
