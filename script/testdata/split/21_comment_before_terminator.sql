CREATE TABLE user_ (id int, refreshed int) -- the account table; one row each
;
CREATE INDEX user_refreshed ON user_ (refreshed) -- Used to re-fetch federated actor periodically
;
CREATE TABLE u (x int) -- c
