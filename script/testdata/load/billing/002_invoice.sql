-- migrate:revision 1975ea83b712
-- migrate:down_revision ae1027a6acf0
-- migrate:branch_labels billing

-- migrate:upgrade
CREATE TABLE invoice (id bigint PRIMARY KEY, customer bigint REFERENCES customer);
