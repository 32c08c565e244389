SELECT E'it\'s; escaped', e'back\\slash;';
SELECT E'doubled '' quote; too';
SELECT 'plain\' AS a;
SELECT name FROM tablE WHERE x = 1;
