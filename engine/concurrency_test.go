package engine_test

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"

	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/engine"
)

// countingFS is a chain of n revisions; each inserts its id into run_log, so
// the log shows how many times each body ran.
func countingFS(n int) fstest.MapFS {
	fs := fstest.MapFS{
		"000.sql": sqlFile("r000", "", "CREATE TABLE run_log (rev varchar(20));\nINSERT INTO run_log VALUES ('r000');", "DROP TABLE run_log;"),
	}
	for i := 1; i < n; i++ {
		id := fmt.Sprintf("r%03d", i)
		fs[id+".sql"] = sqlFile(id, fmt.Sprintf("r%03d", i-1), "INSERT INTO run_log VALUES ('"+id+"');", "DELETE FROM run_log WHERE rev = '"+id+"';")
	}
	return fs
}

func TestConcurrentUpgradesRunEachRevisionOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		for _, mode := range []engine.TxMode{engine.TxPerRun, engine.TxPerRevision} {
			const workers, revs = 8, 10
			fs := countingFS(revs)
			engines := make([]*engine.Engine, workers)
			for i := range engines {
				engines[i] = open(t, db, fs, func(c *engine.Config) { c.TxMode = mode })
			}
			var g errgroup.Group
			for _, e := range engines {
				g.Go(func() error {
					_, err := e.Upgrade(t.Context(), "head")
					return err
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatalf("mode %d: %v", mode, err)
			}
			rows := db.query(t, 2, "SELECT rev, count(*) FROM run_log GROUP BY rev ORDER BY rev")
			if len(rows) != revs {
				t.Fatalf("mode %d: %d revisions ran, want %d", mode, len(rows), revs)
			}
			for _, r := range rows {
				if r[1] != int64(1) {
					t.Fatalf("mode %d: revision %v ran %v times", mode, asString(r[0]), r[1])
				}
			}
			if got := db.versionRows(t); !slices.Equal(got, []string{fmt.Sprintf("r%03d", revs-1)}) {
				t.Fatalf("version rows %v", got)
			}
			if _, err := engines[0].Downgrade(t.Context(), "base"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
