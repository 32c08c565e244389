-- migrate:revision 27c6a30d7c24
-- migrate:down_revision 1975ea83b712

-- migrate:upgrade transaction=false
CREATE INDEX CONCURRENTLY invoice_customer ON invoice (customer);

-- migrate:downgrade transaction=false
DROP INDEX CONCURRENTLY invoice_customer;
