-- +goose Up
CREATE TABLE account (id integer PRIMARY KEY);

-- +goose Down
DROP TABLE account;
