CREATE TABLE café (naïve text DEFAULT 'crème; brûlée');
SELECT 'ünïcödé' AS "名前;";
SELECT été$$ FROM t;
