CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN 1; -- not the end
END;
$$;
CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  EXECUTE $q$SELECT ';'$q$;
  RETURN $$;$$;
END;
$body$;
PREPARE p AS SELECT $1, $2 FROM t WHERE a = $1;
SELECT foo$bar, $_x$ quoted; $_x$ FROM t;
DO $$ BEGIN PERFORM 'x'; END $$
