-- migrate:revision c81d44e09a5f
-- migrate:down_revision 7f3a9c2e1b40
-- migrate:message add account email_domain
-- migrate:create_date 2026-11-03T09:00:00Z

-- migrate:upgrade
ALTER TABLE account ADD COLUMN email_domain varchar(255);

-- migrate:downgrade
ALTER TABLE account DROP COLUMN email_domain;
