/* header; comment */
SELECT 1 /* inline; */ + 2;
/* outer /* nested; */ still in the comment; */
SELECT 3;
SELECT 4 /* multi
line; */ ;
SELECT 5/2;
