package mysql_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/retort-sql/retort/script"
)

// TestSplitGoldensReplay runs every statement SplitMySQL finds in the
// script package's MySQL goldens on MariaDB: a statement cut in the wrong
// place would not parse.
func TestSplitGoldensReplay(t *testing.T) {
	setup := map[string]string{
		"01_quotes_and_comments":        "CREATE TABLE t (s VARCHAR(100), `odd;name` INT, `back``tick;` INT)",
		"03_routines_without_delimiter": "CREATE TABLE t (id INT)",
	}
	files, err := filepath.Glob(filepath.Join("..", "..", "script", "testdata", "split_mysql", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no goldens: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f[:len(f)-len(".sql")])
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			stmts, err := script.SplitMySQL(string(data), 1)
			if err != nil {
				return // the error goldens; their text is checked in script
			}
			p := openPool(t)
			c, err := p.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Release()
			if s, ok := setup[name]; ok {
				if _, err := c.Exec(t.Context(), s); err != nil {
					t.Fatal(err)
				}
			}
			for _, st := range stmts {
				if _, err := c.Exec(t.Context(), st.SQL); err != nil {
					t.Errorf("line %d: %v\n%s", st.Line, err, st.SQL)
				}
			}
		})
	}
}
