-- migrate:revision ae1027a6acf0
-- migrate:message create customer

-- migrate:upgrade
CREATE TABLE customer (id bigint PRIMARY KEY);

-- migrate:downgrade
DROP TABLE customer;
