INSERT INTO t (s) VALUES ('it\'s; fine'), ("double \"; quoted"), ('doubled '' ; quote');
SELECT `odd;name`, `back``tick;` FROM t; # a hash comment; not a statement
-- a dash comment; not a statement
SELECT 1--1;
SELECT 'backslash at end \\';
/* a block; comment */ SELECT 2 /* inside; */ ;
SELECT "a # not a comment", 'b -- nor this';
