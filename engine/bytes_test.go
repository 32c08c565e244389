package engine_test

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestCRLFScriptReachesTheDatabaseByteForByte: a script saved with CRLF line
// ends stores its multi-line strings and function bodies with their CRs, as
// psql and sqlite3 do with the same file.
func TestCRLFScriptReachesTheDatabaseByteForByte(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		body := "CREATE TABLE note (body text);\r\nINSERT INTO note VALUES ('one\r\ntwo');\r\n"
		if db.name == "postgres" {
			body += "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\r\nSELECT 'x'\r\n$$;\r\n"
		}
		fsys := fstest.MapFS{"a.sql": {Data: []byte("\uFEFF-- migrate:revision a1\r\n-- migrate:upgrade\r\n" + body)}}
		e := open(t, db, fsys)
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		if got := asString(db.query(t, 1, "SELECT body FROM note")[0][0]); got != "one\r\ntwo" {
			t.Errorf("stored string %q, want %q", got, "one\r\ntwo")
		}
		if db.name == "postgres" {
			src := asString(db.query(t, 1, "SELECT prosrc FROM pg_proc WHERE proname = 'f'")[0][0])
			if !strings.Contains(src, "\r\nSELECT 'x'\r\n") {
				t.Errorf("function body %q lost its CRs", src)
			}
		}
	})
}
