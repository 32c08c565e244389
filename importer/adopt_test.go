package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/importer"
	"github.com/retort-sql/retort/open"
)

// TestAdoptGooseRows reads goose_db_version rows as goose does (the last
// row of a version decides) and refuses what a chain cannot express.
func TestAdoptGooseRows(t *testing.T) {
	src := writeDir(t, map[string]string{
		"00001_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
		"00002_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n",
		"00003_c.sql": "-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n",
	})
	r, err := importer.Goose(src)
	if err != nil {
		t.Fatal(err)
	}
	scripts := t.TempDir()
	if err := importer.Write(scripts, r, false); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rows string // (version_id, is_applied) in id order
		head string
		err  string
	}{
		{"reverted last", "(0, 1), (1, 1), (2, 1), (3, 1), (3, 0)", "2", ""},
		{"reapplied", "(0, 1), (1, 1), (2, 1), (2, 0), (2, 1)", "2", ""},
		{"nothing", "(0, 1)", "", ""},
		{"gap", "(0, 1), (1, 1), (3, 1)", "", "has versions 1, 3 applied, but the chain up to 3 is 1, 2, 3"},
		{"ahead", "(0, 1), (1, 1), (2, 1), (3, 1), (7, 1)", "", "names 7: no such revision in the scripts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "g.db")
			e, err := open.Engine(t.Context(), engine.Config{URL: "sqlite:" + db, Scripts: os.DirFS(scripts)})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			pool, err := open.Pool(t.Context(), "sqlite:"+db)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			c, err := pool.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				"CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))",
				"INSERT INTO goose_db_version (version_id, is_applied) VALUES " + tc.rows,
			} {
				if _, err := c.Exec(t.Context(), q); err != nil {
					t.Fatal(err)
				}
			}
			st, err := importer.ReadState(t.Context(), c, pool.Dialect(), importer.ToolGoose, "")
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
			res, err := importer.Adopt(t.Context(), e, st, nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Adopt error %v, want %q", err, tc.err)
				}
				if tc.name == "ahead" && !errors.Is(err, importer.ErrUnknownRevision) {
					t.Errorf("error %v is not ErrUnknownRevision", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cur, err := e.VersionRows(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(cur, ","); got != tc.head || res.Changed != (tc.head != "") {
				t.Fatalf("version rows %q changed %v, want %q", got, res.Changed, tc.head)
			}
		})
	}
}
