-- migrate:revision bbbb00000002
-- migrate:branch_labels billing

-- migrate:upgrade
