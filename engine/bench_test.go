package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/pgtest"
	dbopen "github.com/retort-sql/retort/open"
)

// benchRevisions is the chain length of the apply and downgrade benchmarks.
const benchRevisions = 1000

// benchUp and benchDown are the statements of revision i, the same for
// Retort and for the floor.
func benchUp(i int) string   { return fmt.Sprintf("CREATE TABLE t_%d (id int primary key, v text)", i) }
func benchDown(i int) string { return fmt.Sprintf("DROP TABLE t_%d", i) }

func benchRevID(i int) string { return fmt.Sprintf("r%05d", i) }

// benchScripts is a linear chain of n revisions, each creating one table.
func benchScripts(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := range n {
		down := ""
		if i > 0 {
			down = benchRevID(i - 1)
		}
		fsys[fmt.Sprintf("%05d.sql", i)] = sqlFile(benchRevID(i), down, benchUp(i)+";", benchDown(i)+";")
	}
	return fsys
}

// benchTarget makes one fresh, empty database per call.
type benchTarget struct {
	name string
	// fresh returns the URL of a new empty database; it runs with the
	// timer stopped.
	fresh func(b *testing.B) string
	// floor runs stmts through the bare driver on the database at url, in
	// one transaction when oneTx, else one autocommit statement at a time.
	// It returns a function that does the timed work, with the connection
	// already open, and a function that closes the connection.
	floor func(b *testing.B, url string, stmts []string, oneTx bool) (run func() error, done func())
}

func benchTargets() []benchTarget {
	return []benchTarget{
		{
			name: "sqlite",
			fresh: func(b *testing.B) string {
				return "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
			},
			floor: sqliteFloor,
		},
		{
			name:  "postgres",
			fresh: func(b *testing.B) string { return pgtest.URL(b) },
			floor: postgresFloor,
		},
	}
}

// sqliteFloor opens the database with the same driver and journal mode as
// the SQLite adapter.
func sqliteFloor(b *testing.B, url string, stmts []string, oneTx bool) (func() error, func()) {
	c, err := sqlite3.Open(url[len("sqlite:"):])
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Exec("PRAGMA journal_mode=WAL"); err != nil {
		b.Fatal(err)
	}
	run := func() error {
		if oneTx {
			if err := c.Exec("BEGIN"); err != nil {
				return err
			}
		}
		for _, s := range stmts {
			if err := c.Exec(s); err != nil {
				return err
			}
		}
		if oneTx {
			return c.Exec("COMMIT")
		}
		return nil
	}
	return run, func() { _ = c.Close() }
}

// postgresFloor opens one pgx connection.
func postgresFloor(b *testing.B, url string, stmts []string, oneTx bool) (func() error, func()) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	run := func() error {
		if !oneTx {
			for _, s := range stmts {
				if _, err := c.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				_ = tx.Rollback(ctx)
				return err
			}
		}
		return tx.Commit(ctx)
	}
	return run, func() { _ = c.Close(ctx) }
}

type benchMode struct {
	name string
	tx   engine.TxMode
}

var benchModes = []benchMode{
	{"retort-per-run", engine.TxPerRun},
	{"retort-per-revision", engine.TxPerRevision},
}

func openBench(b *testing.B, url string, fsys fstest.MapFS, mode engine.TxMode) *engine.Engine {
	b.Helper()
	e, err := dbopen.Engine(context.Background(), engine.Config{URL: url, Scripts: fsys, TxMode: mode})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkApply1000 applies 1,000 trivial revisions to an empty database,
// beside the same DDL through the same driver with no migration tool.
// Only the run is timed: the database is created and the engine (scripts,
// graph, pool) opened before the timer starts.
func BenchmarkApply1000(b *testing.B) {
	fsys := benchScripts(benchRevisions)
	ups := make([]string, benchRevisions)
	for i := range ups {
		ups[i] = benchUp(i)
	}
	for _, tg := range benchTargets() {
		for _, m := range benchModes {
			b.Run(tg.name+"/"+m.name, func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					e := openBench(b, tg.fresh(b), fsys, m.tx)
					b.StartTimer()
					res, err := e.Upgrade(context.Background(), "head")
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Applied) != benchRevisions {
						b.Fatalf("applied %d revisions, want %d", len(res.Applied), benchRevisions)
					}
					_ = e.Close()
					b.StartTimer()
				}
			})
		}
		benchFloor(b, tg, nil, ups)
	}
}

// BenchmarkDowngrade1000 reverts 1,000 trivial revisions to base, beside the
// same DROP statements through the same driver. The upgrade that sets the
// database up is not timed.
func BenchmarkDowngrade1000(b *testing.B) {
	fsys := benchScripts(benchRevisions)
	ups := make([]string, benchRevisions)
	downs := make([]string, benchRevisions)
	for i := range ups {
		ups[i] = benchUp(i)
		downs[benchRevisions-1-i] = benchDown(i)
	}
	for _, tg := range benchTargets() {
		for _, m := range benchModes {
			b.Run(tg.name+"/"+m.name, func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					url := tg.fresh(b)
					e := openBench(b, url, fsys, engine.TxPerRun)
					if _, err := e.Upgrade(context.Background(), "head"); err != nil {
						b.Fatal(err)
					}
					_ = e.Close()
					e = openBench(b, url, fsys, m.tx)
					b.StartTimer()
					res, err := e.Downgrade(context.Background(), "base")
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Applied) != benchRevisions {
						b.Fatalf("reverted %d revisions, want %d", len(res.Applied), benchRevisions)
					}
					_ = e.Close()
					b.StartTimer()
				}
			})
		}
		benchFloor(b, tg, ups, downs)
	}
}

// benchFloor times stmts through the bare driver, after setup has run (not
// timed) on the same fresh database.
func benchFloor(b *testing.B, tg benchTarget, setup, stmts []string) {
	for _, oneTx := range []bool{true, false} {
		name := tg.name + "/floor-autocommit"
		if oneTx {
			name = tg.name + "/floor-one-tx"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				url := tg.fresh(b)
				if setup != nil {
					prep, done := tg.floor(b, url, setup, true)
					if err := prep(); err != nil {
						b.Fatal(err)
					}
					done()
				}
				run, done := tg.floor(b, url, stmts, oneTx)
				b.StartTimer()
				err := run()
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				done()
				b.StartTimer()
			}
		})
	}
}

// wideMergeScripts is a base, n heads on it and one revision merging them.
func wideMergeScripts(n int) fstest.MapFS {
	fsys := fstest.MapFS{"base.sql": sqlFile("wbase", "", "SELECT 0;", "SELECT 0;")}
	down := make([]string, n)
	for i := range n {
		down[i] = fmt.Sprintf("wh%05d", i)
		fsys[down[i]+".sql"] = sqlFile(down[i], "wbase", fmt.Sprintf("SELECT %d;", i), fmt.Sprintf("SELECT %d;", i))
	}
	fsys["merge.sql"] = sqlFile("wmerge", strings.Join(down, ", "), "SELECT 1;", "SELECT 1;")
	return fsys
}

// BenchmarkWideMerge upgrades an empty SQLite database to the merge of n
// heads, in both transaction modes and offline (--sql); the time per
// doubling of n shows whether some step is worse than linear.
func BenchmarkWideMerge(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000} {
		fsys := wideMergeScripts(n)
		for _, m := range benchModes {
			b.Run(fmt.Sprintf("%s/%d", m.name, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					e := openBench(b, "sqlite:"+filepath.Join(b.TempDir(), "bench.db"), fsys, m.tx)
					b.StartTimer()
					res, err := e.Upgrade(context.Background(), "heads")
					b.StopTimer()
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Applied) != n+2 {
						b.Fatalf("applied %d revisions, want %d", len(res.Applied), n+2)
					}
					_ = e.Close()
					b.StartTimer()
				}
			})
		}
		b.Run(fmt.Sprintf("offline/%d", n), func(b *testing.B) {
			for range b.N {
				var out strings.Builder
				e, err := engine.Open(context.Background(), engine.Config{URL: "sqlite:x.db", Scripts: fsys, Offline: &out})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.Upgrade(context.Background(), "heads"); err != nil {
					b.Fatal(err)
				}
				_ = e.Close()
			}
		})
	}
}
