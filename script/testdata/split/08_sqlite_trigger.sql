CREATE TABLE log (msg text);
CREATE TRIGGER t_insert AFTER INSERT ON t
BEGIN
  INSERT INTO log VALUES ('insert; ' || new.id);
  UPDATE t SET n = n + 1 WHERE id = new.id;
END;
CREATE TEMP TRIGGER IF NOT EXISTS t_check BEFORE UPDATE ON t
WHEN CASE WHEN new.n < 0 THEN 1 ELSE 0 END
BEGIN
  SELECT CASE
    WHEN new.n > 100 THEN RAISE(ABORT, 'too big; stop')
    WHEN new.n > 50 THEN RAISE(IGNORE)
  END;
  INSERT INTO log SELECT CASE new.n WHEN 1 THEN 'one' ELSE 'many' END;
END;
create temporary trigger lower_case after delete on t begin delete from log; end;
CREATE TRIGGER t_end AFTER UPDATE ON t BEGIN UPDATE t SET x = t.end; END
