-- migrate:revision bbbb00000002
-- migrate:down_revision aaaa00000001
-- migrate:branch_labels aaaa00000001

-- migrate:upgrade
