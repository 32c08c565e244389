// Package examples_test builds every example program of examples/ and runs
// it against real databases: SQLite files in temporary directories and a
// fresh PostgreSQL database per test (internal/pgtest).
package examples_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	accountRev = "7f3a9c2e1b40"
	noteRev    = "c81d44e09a5f"
)

// build compiles the example in dir (relative to examples/) into a
// temporary directory and returns the binary's path.
func build(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	cmd := exec.Command("go", "build", "-o", bin, "./"+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./%s: %v\n%s", dir, err, out)
	}
	return bin
}

// env returns the test process's environment without any database URL,
// plus kv.
func env(kv ...string) []string {
	var e []string
	for _, v := range os.Environ() {
		if strings.HasPrefix(v, "DATABASE_URL=") || strings.HasPrefix(v, "MIGRATE_URL=") {
			continue
		}
		e = append(e, v)
	}
	return append(e, kv...)
}

// run executes bin with args in dir and returns its stdout; it fails the
// test when the program exits non-zero.
func run(t *testing.T, dir string, environ []string, bin string, args ...string) string {
	t.Helper()
	out, err := runE(t.Context(), dir, environ, bin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runE is run for goroutines other than the test's own: it reports a
// failure as an error.
func runE(ctx context.Context, dir string, environ []string, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = environ
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\nstdout:\n%s\nstderr:\n%s", filepath.Base(bin), strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), nil
}

// pgDB inspects a PostgreSQL database.
type pgDB struct {
	t    *testing.T
	conn *pgx.Conn
}

func openPG(t *testing.T, url string) *pgDB {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &pgDB{t: t, conn: conn}
}

func (d *pgDB) tableExists(name string) bool {
	d.t.Helper()
	var ok bool
	if err := d.conn.QueryRow(d.t.Context(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok); err != nil {
		d.t.Fatal(err)
	}
	return ok
}

func (d *pgDB) strings(sql string) []string {
	d.t.Helper()
	rows, err := d.conn.Query(d.t.Context(), sql)
	if err != nil {
		d.t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		d.t.Fatal(err)
	}
	return out
}

// liteDB inspects a SQLite database file.
type liteDB struct {
	t    *testing.T
	conn *sqlite3.Conn
}

func openLite(t *testing.T, path string) *liteDB {
	t.Helper()
	conn, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &liteDB{t: t, conn: conn}
}

func (d *liteDB) strings(sql string) []string {
	d.t.Helper()
	stmt, _, err := d.conn.Prepare(sql)
	if err != nil {
		d.t.Fatal(err)
	}
	defer stmt.Close()
	var out []string
	for stmt.Step() {
		out = append(out, stmt.ColumnText(0))
	}
	if err := stmt.Err(); err != nil {
		d.t.Fatal(err)
	}
	return out
}

func (d *liteDB) tableExists(name string) bool {
	d.t.Helper()
	return len(d.strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '"+name+"'")) == 1
}

// TestService runs the service example with -once as three replicas
// starting together: every replica succeeds, the revisions run once, and
// the database ends at head.
func TestService(t *testing.T) {
	url := pgtest.URL(t)
	bin := build(t, "service")

	const replicas = 3
	outs := make([]string, replicas)
	errs := make([]error, replicas)
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { outs[i], errs[i] = runE(t.Context(), dir, env("DATABASE_URL="+url), bin, "-once") })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, out := range outs {
		if !strings.Contains(out, "current: "+noteRev+"\n") {
			t.Errorf("replica output lacks the current revision:\n%s", out)
		}
		switch {
		case strings.Contains(out, "(2 applied)"):
			applied += 2
		case strings.Contains(out, "(0 applied)"):
		default:
			t.Errorf("unexpected replica output:\n%s", out)
		}
	}
	if applied != 2 {
		t.Errorf("replicas applied %d revisions in all, want 2 (each exactly once):\n%s", applied, strings.Join(outs, "---\n"))
	}
	db := openPG(t, url)
	for _, table := range []string{"account", "note"} {
		if !db.tableExists(table) {
			t.Errorf("table %s missing after start-up", table)
		}
	}
	if got := db.strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{noteRev}) {
		t.Errorf("version rows = %v, want [%s]", got, noteRev)
	}
}

// TestSharedTransaction is scenario (b): the caller's rollback leaves no
// tables and no version rows; its commit leaves both.
func TestSharedTransaction(t *testing.T) {
	bin := build(t, "shared-transaction")
	for _, tc := range []struct {
		outcome string
		present bool
	}{
		{"rollback", false},
		{"commit", true},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			url := pgtest.URL(t)
			out := run(t, t.TempDir(), env("DATABASE_URL="+url), bin, "-outcome", tc.outcome)
			if !strings.Contains(out, "upgraded inside the transaction: <base> -> "+noteRev+" (2 applied)") {
				t.Errorf("output:\n%s", out)
			}
			db := openPG(t, url)
			for _, table := range []string{"account", "note", "migrate_version"} {
				if got := db.tableExists(table); got != tc.present {
					t.Errorf("after %s: table %s exists = %v, want %v", tc.outcome, table, got, tc.present)
				}
			}
			if !tc.present {
				return
			}
			if got := db.strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{noteRev}) {
				t.Errorf("version rows = %v, want [%s]", got, noteRev)
			}
			if got := db.strings("SELECT body FROM note"); !slices.Equal(got, []string{"first note"}) {
				t.Errorf("the program's own rows = %v, want [first note]", got)
			}
		})
	}
}

// TestSQLiteShared is scenario (c): scenario (b) on SQLite.
func TestSQLiteShared(t *testing.T) {
	bin := build(t, "sqlite-shared")
	for _, tc := range []struct {
		outcome string
		present bool
	}{
		{"rollback", false},
		{"commit", true},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "app.db")
			out := run(t, dir, env(), bin, "-db", path, "-outcome", tc.outcome)
			if !strings.Contains(out, "upgraded inside the transaction: <base> -> "+noteRev+" (2 applied)") {
				t.Errorf("output:\n%s", out)
			}
			db := openLite(t, path)
			for _, table := range []string{"account", "note", "migrate_version"} {
				if got := db.tableExists(table); got != tc.present {
					t.Errorf("after %s: table %s exists = %v, want %v", tc.outcome, table, got, tc.present)
				}
			}
			if !tc.present {
				return
			}
			if got := db.strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{noteRev}) {
				t.Errorf("version rows = %v, want [%s]", got, noteRev)
			}
			if got := db.strings("SELECT body FROM note"); !slices.Equal(got, []string{"first note"}) {
				t.Errorf("the program's own rows = %v, want [first note]", got)
			}
		})
	}
}

// TestDatabaseSQL is scenario (b) on database/sql: pgx's stdlib driver on
// PostgreSQL and ncruces' driver on SQLite, each rolled back (nothing left)
// and committed (schema, version row and the program's rows together).
func TestDatabaseSQL(t *testing.T) {
	bin := build(t, "database-sql")
	for _, driver := range []string{"pgx", "sqlite"} {
		for _, tc := range []struct {
			outcome string
			present bool
		}{
			{"rollback", false},
			{"commit", true},
		} {
			t.Run(driver+"/"+tc.outcome, func(t *testing.T) {
				dir := t.TempDir()
				var db database
				var out string
				if driver == "pgx" {
					url := pgtest.URL(t)
					out = run(t, dir, env("DATABASE_URL="+url), bin, "-driver", "pgx", "-outcome", tc.outcome)
					db = openPG(t, url)
				} else {
					path := filepath.Join(dir, "app.db")
					out = run(t, dir, env(), bin, "-driver", "sqlite", "-db", path, "-outcome", tc.outcome)
					db = openLite(t, path)
				}
				if !strings.Contains(out, "upgraded inside the transaction: <base> -> "+noteRev+" (2 applied)") {
					t.Errorf("output:\n%s", out)
				}
				for _, table := range []string{"account", "note", "migrate_version"} {
					if got := db.tableExists(table); got != tc.present {
						t.Errorf("after %s: table %s exists = %v, want %v", tc.outcome, table, got, tc.present)
					}
				}
				if !tc.present {
					return
				}
				if got := db.strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{noteRev}) {
					t.Errorf("version rows = %v, want [%s]", got, noteRev)
				}
				if got := db.strings("SELECT body FROM note"); !slices.Equal(got, []string{"first note"}) {
					t.Errorf("the program's own rows = %v, want [first note]", got)
				}
			})
		}
	}
}
