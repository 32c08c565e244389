SELECT E'ends with an escaped quote\';
SELECT 2;
