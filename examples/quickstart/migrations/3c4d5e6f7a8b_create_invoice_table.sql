-- migrate:revision 3c4d5e6f7a8b
-- migrate:down_revision 2b3c4d5e6f7a
-- migrate:message create invoice table
-- migrate:create_date 2026-01-07T09:00:00Z

-- migrate:upgrade
CREATE TABLE invoice (
    id integer PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account (id),
    amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
    issued_on date NOT NULL
);
CREATE INDEX invoice_account_id_idx ON invoice (account_id);

-- migrate:downgrade
DROP TABLE invoice;
