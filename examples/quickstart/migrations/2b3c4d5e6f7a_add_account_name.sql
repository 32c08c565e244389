-- migrate:revision 2b3c4d5e6f7a
-- migrate:down_revision 1a2b3c4d5e6f
-- migrate:message add account name
-- migrate:create_date 2026-01-06T09:00:00Z

-- migrate:upgrade
ALTER TABLE account ADD COLUMN display_name varchar(100);
CREATE INDEX account_display_name_idx ON account (display_name);

-- migrate:downgrade
DROP INDEX account_display_name_idx;
ALTER TABLE account DROP COLUMN display_name;
