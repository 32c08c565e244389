-- migrate:revision 7f3a9c2e1b40
-- migrate:message create account
-- migrate:create_date 2026-11-02T09:00:00Z

-- migrate:upgrade
CREATE TABLE account (
    id integer PRIMARY KEY,
    email varchar(320) NOT NULL UNIQUE
);

-- migrate:downgrade
DROP TABLE account;
