-- migrate:revision c81d44e09a5f
-- migrate:down_revision 7f3a9c2e1b40
-- migrate:message create note
-- migrate:create_date 2026-11-03T09:00:00Z

-- migrate:upgrade
CREATE TABLE note (
    id integer PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account (id),
    body text NOT NULL
);
CREATE INDEX note_account_id_idx ON note (account_id);

-- migrate:downgrade
DROP TABLE note;
