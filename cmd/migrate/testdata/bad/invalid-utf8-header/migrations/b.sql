-- migrate:revision bbbb00000002
-- migrate:message caf√
-- migrate:down_revision aaaa00000001

-- migrate:upgrade
