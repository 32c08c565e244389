package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/mysqltest"
	"github.com/retort-sql/retort/internal/pgtest"
	dbopen "github.com/retort-sql/retort/open"
)

func TestMain(m *testing.M) { pgtest.Main(m, mysqltest.Stop) }

// buildMigrate builds the command once per test into a temp dir.
func buildMigrate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "migrate")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeChain writes n revisions; each records its run in run_log.
func writeChain(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		down, up := "", fmt.Sprintf("INSERT INTO run_log VALUES ('r%03d');", i)
		if i == 0 {
			up = "CREATE TABLE run_log (rev varchar(20));\n" + up
		} else {
			down = fmt.Sprintf("-- migrate:down_revision r%03d\n", i-1)
		}
		body := fmt.Sprintf("-- migrate:revision r%03d\n%s-- migrate:upgrade\n%s\n-- migrate:downgrade\n", i, down, up)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%03d.sql", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReplicasUpgradeAtOnce starts 16 processes of the CLI and 32
// goroutines upgrading one database at the same moment: all succeed, every
// revision body runs exactly once, and the database ends at head.
func TestReplicasUpgradeAtOnce(t *testing.T) {
	bin := buildMigrate(t)
	const procs, goroutines, revs = 16, 32, 12
	// Three rounds per database, each on a fresh one: a race that loses
	// rarely still gets several chances to show. `task stress` runs more.
	for _, kind := range []string{"sqlite", "postgres", "mysql", "sqlite", "postgres", "mysql", "sqlite", "postgres", "mysql"} {
		t.Run(kind, func(t *testing.T) {
			dir := writeChain(t, revs)
			var url string
			var open func() (adapter.Pool, error)
			switch kind {
			case "sqlite":
				path := filepath.Join(t.TempDir(), "replicas.db")
				url = "sqlite:" + path
				open = func() (adapter.Pool, error) { return sqlite.Open(t.Context(), path) }
			case "mysql":
				url = mysqltest.URL(t)
				dsn := mysqltest.DriverDSN(t, url)
				open = func() (adapter.Pool, error) { return mysql.Open(t.Context(), dsn) }
			default:
				url = pgtest.URL(t)
				open = func() (adapter.Pool, error) { return postgres.Open(t.Context(), url) }
			}
			var g errgroup.Group
			for i := range procs {
				g.Go(func() error {
					cmd := exec.CommandContext(t.Context(), bin, "--dir", dir, "--url", url, "--log-level", "error", "upgrade", "head")
					if out, err := cmd.CombinedOutput(); err != nil {
						return fmt.Errorf("process %d: %v\n%s", i, err, out)
					}
					return nil
				})
			}
			for i := range goroutines {
				g.Go(func() error {
					e, err := engine.Open(t.Context(), engine.Config{URL: url, Opener: dbopen.Opener{}, Scripts: os.DirFS(dir), TxMode: engine.TxMode(i % 2)})
					if err != nil {
						return err
					}
					defer e.Close()
					if _, err := e.Upgrade(t.Context(), "head"); err != nil {
						return fmt.Errorf("goroutine %d: %w", i, err)
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}

			c := acquire(t, open)
			rows, err := c.Query(t.Context(), "SELECT rev, count(*) FROM run_log GROUP BY rev ORDER BY rev")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var rev string
				var count int64
				if err := rows.Scan(&rev, &count); err != nil {
					t.Fatal(err)
				}
				if count != 1 {
					t.Errorf("revision %s ran %d times", rev, count)
				}
				n++
			}
			rows.Close()
			if n != revs {
				t.Fatalf("%d revisions ran, want %d", n, revs)
			}
			heads, err := c.Query(t.Context(), "SELECT version_num FROM migrate_version")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for heads.Next() {
				var h string
				_ = heads.Scan(&h)
				got = append(got, h)
			}
			heads.Close()
			if want := []string{fmt.Sprintf("r%03d", revs-1)}; !slices.Equal(got, want) {
				t.Fatalf("version rows %v, want %v", got, want)
			}
		})
	}
}

// acquire opens a pool with open and takes one connection from it, both
// released when the test ends.
func acquire(t *testing.T, open func() (adapter.Pool, error)) adapter.Conn {
	t.Helper()
	p, err := open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	return c
}
