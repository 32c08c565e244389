-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
/* outer /* inner */ still open
SELECT 1;
