package engine_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
)

// A COMMIT that fails (here a deferred constraint, checked only at COMMIT)
// names the revisions of its transaction and says nothing of it was
// applied; in per-revision mode what committed before stays.
func TestCommitFailureNamesRevisions(t *testing.T) {
	fsys := fstest.MapFS{
		"1.sql": sqlFile("parent1", "", "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (pid int REFERENCES p DEFERRABLE INITIALLY DEFERRED);", "DROP TABLE c;\nDROP TABLE p;"),
		"2.sql": sqlFile("orphan2", "parent1", "INSERT INTO c VALUES (42);", "DELETE FROM c;"),
	}
	for _, tc := range []struct {
		name    string
		mode    engine.TxMode
		failed  string   // the revisions the error names
		applied []string // version rows afterwards
	}{
		{"per-run", engine.TxPerRun, "upgrade parent1, orphan2", []string{}},
		{"per-revision", engine.TxPerRevision, "upgrade orphan2", []string{"parent1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := postgresDB(t)
			e := open(t, db, fsys, func(c *engine.Config) { c.TxMode = tc.mode })
			res, err := e.Upgrade(t.Context(), "head")
			ce, ok := errors.AsType[*engine.CommitError](err)
			if !ok {
				t.Fatalf("got %v, want a CommitError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "commit "+tc.failed+":") || !strings.Contains(msg, "nothing of this transaction was applied") ||
				!strings.Contains(msg, "23503") {
				t.Fatalf("error %q does not name %s, the cause and what was applied", msg, tc.failed)
			}
			if len(ce.Revisions) == 0 {
				t.Fatal("CommitError has no revisions")
			}
			if got := db.versionRows(t); !equalRows(got, tc.applied) {
				t.Fatalf("version rows %v, want %v", got, tc.applied)
			}
			if got := appliedIDs(res); !equalRows(got, tc.applied) {
				t.Fatalf("result applied %v, want %v", got, tc.applied)
			}
		})
	}
}
