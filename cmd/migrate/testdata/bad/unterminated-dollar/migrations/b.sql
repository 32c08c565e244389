-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;
SELECT 2;
