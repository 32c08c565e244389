INSERT INTO t VALUES ('a;b', 'it''s; fine', '');
-- backslash is literal in a standard string: this string ends after \
INSERT INTO t VALUES ('C:\', 'x;y');
INSERT INTO t VALUES ('multi
line; string
');
SELECT N'national;', X'00ff', B'0101', U&'d\0061t;a';
