-- migrate:revision aaaa00000001
-- migrate:branch_labels billing

-- migrate:upgrade
