CREATE TABLE a (id int);
CREATE TABLE b (id int); CREATE TABLE c (id int);

INSERT INTO a VALUES (1)
