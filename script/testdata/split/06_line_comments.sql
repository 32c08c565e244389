-- a comment before anything; with a semicolon
SELECT 1; -- trailing comment; still a comment
SELECT 2 -- a comment inside the statement; not a split
  + 3;
-- only comments here;
-- and here
;
SELECT '--not a comment;';
