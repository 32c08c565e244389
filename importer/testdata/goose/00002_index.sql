-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY ix_account_id ON account (id);

-- +goose Down
DROP INDEX CONCURRENTLY ix_account_id;
