package engine_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
)

// fleetBenchTargets is the number of SQLite files of BenchmarkFleetSQLite.
const fleetBenchTargets = 200

// fleetBenchScripts is W6's workload: 3 revisions of a table and an index.
func fleetBenchScripts() fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := range 3 {
		down := ""
		if i > 0 {
			down = benchRevID(i - 1)
		}
		fsys[fmt.Sprintf("%05d.sql", i)] = sqlFile(benchRevID(i), down,
			fmt.Sprintf("CREATE TABLE f_%d (id bigint PRIMARY KEY, v text);\nCREATE INDEX f_%d_v ON f_%d (v);", i, i, i),
			fmt.Sprintf("DROP TABLE f_%d;", i))
	}
	return fsys
}

// BenchmarkFleetSQLite upgrades 200 fresh SQLite files one at a time
// (Fleet.Upgrade, concurrency 1) beside the floor: one connection per file
// through the bare driver running the same statements and a version row in
// one transaction. Profile it to see where a fleet target's time goes:
//
//	go test ./engine -run '^$' -bench FleetSQLite -benchtime 3x -cpuprofile cpu.prof
func BenchmarkFleetSQLite(b *testing.B) {
	scripts := fleetBenchScripts()
	b.Run("retort-fleet-c1", func(b *testing.B) {
		f, err := engine.NewFleet(engine.Config{Scripts: scripts})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			targets := func(yield func(engine.Target) bool) {
				for i := range fleetBenchTargets {
					url := "sqlite:" + filepath.Join(dir, fmt.Sprintf("t%d.db", i))
					if !yield(engine.Target{Name: url, Config: engine.Config{URL: url, Opener: dbopen.Opener{}}}) {
						return
					}
				}
			}
			if sum := f.Upgrade(b.Context(), targets, "head", engine.FanOutOptions{Concurrency: 1}); sum.OK != fleetBenchTargets {
				b.Fatalf("%+v", sum)
			}
		}
	})
	b.Run("floor-one-tx", func(b *testing.B) {
		var stmts []string
		for i := range 3 {
			stmts = append(stmts, fmt.Sprintf("CREATE TABLE f_%d (id bigint PRIMARY KEY, v text)", i),
				fmt.Sprintf("CREATE INDEX f_%d_v ON f_%d (v)", i, i))
		}
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			b.StartTimer()
			for i := range fleetBenchTargets {
				c, err := sqlite3.Open(filepath.Join(dir, fmt.Sprintf("t%d.db", i)))
				if err != nil {
					b.Fatal(err)
				}
				err = c.Exec("PRAGMA journal_mode=WAL; BEGIN; CREATE TABLE migrate_version (version_num varchar(255) PRIMARY KEY)")
				for _, s := range stmts {
					if err == nil {
						err = c.Exec(s)
					}
				}
				if err == nil {
					err = c.Exec("INSERT INTO migrate_version VALUES ('r00002'); COMMIT")
				}
				if cerr := c.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
