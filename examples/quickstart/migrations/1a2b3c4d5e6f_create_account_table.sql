-- migrate:revision 1a2b3c4d5e6f
-- migrate:message create account table
-- migrate:create_date 2026-01-05T09:00:00Z

-- migrate:upgrade
CREATE TABLE account (
    id integer PRIMARY KEY,
    email varchar(320) NOT NULL UNIQUE,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- migrate:downgrade
DROP TABLE account;
