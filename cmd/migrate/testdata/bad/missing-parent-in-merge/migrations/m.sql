-- migrate:revision cccc00000003
-- migrate:down_revision bbbb00000002, eeee00000005

-- migrate:upgrade
