BEGIN;
CREATE TABLE t (id int);
COMMIT;
BEGIN TRANSACTION;
END;
CREATE TABLE "begin" (begin_date date, "end" int);
