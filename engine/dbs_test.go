package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

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

// testDB is one real database a test runs against.
type testDB struct {
	name string
	url  string
	// slow is a statement that runs for many seconds unless interrupted.
	slow string
	// inspect is a pool for looking at the database from outside the engine.
	inspect adapter.Pool
}

func sqliteDB(t *testing.T) *testDB {
	path := filepath.Join(t.TempDir(), "test.db")
	p, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &testDB{
		name:    "sqlite",
		url:     "sqlite:" + path,
		slow:    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c",
		inspect: p,
	}
}

func postgresDB(t *testing.T) *testDB {
	url := pgtest.URL(t)
	p, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &testDB{name: "postgres", url: url, slow: "SELECT pg_sleep(30) AS " + pgSlowMarker, inspect: p}
}

func mysqlDB(t *testing.T) *testDB {
	url := mysqltest.URL(t)
	p, err := mysql.Open(t.Context(), mysqltest.DriverDSN(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &testDB{name: "mysql", url: url, slow: "SELECT SLEEP(30) AS " + pgSlowMarker, inspect: p}
}

// pgSlowMarker tags the PostgreSQL slow statement, so that a test counting
// the backends that run it sees only its own, never the same pg_sleep of a
// test in another package running at the same time.
const pgSlowMarker = "retort_engine_slow_probe"

// eachDB runs fn as a subtest against a fresh database of every dialect.
func eachDB(t *testing.T, fn func(t *testing.T, db *testDB)) {
	t.Helper()
	eachOf(t, fn, sqliteDB, postgresDB, mysqlDB)
}

// eachTransactionalDB runs fn against the databases whose transactions
// roll DDL back (SQLite and PostgreSQL); mysql_test.go checks what MySQL
// does instead.
func eachTransactionalDB(t *testing.T, fn func(t *testing.T, db *testDB)) {
	t.Helper()
	eachOf(t, fn, sqliteDB, postgresDB)
}

func eachOf(t *testing.T, fn func(t *testing.T, db *testDB), dbs ...func(*testing.T) *testDB) {
	t.Helper()
	for _, mk := range dbs {
		db := mk(t)
		t.Run(db.name, func(t *testing.T) { fn(t, db) })
	}
}

// query runs an inspection query whose rows have ncols columns.
func (db *testDB) query(t *testing.T, ncols int, sql string, args ...any) [][]any {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	c, err := db.inspect.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	rows, err := c.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, ncols)
		ptrs := make([]any, ncols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// tables returns the user tables of the database, sorted.
func (db *testDB) tables(t *testing.T) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
	switch db.name {
	case "postgres":
		q = "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
	case "mysql":
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1"
	}
	var names []string
	for _, r := range db.query(t, 1, q) {
		names = append(names, asString(r[0]))
	}
	return names
}

// versionRows returns the rows of the default version table, sorted, or nil
// when it does not exist.
func (db *testDB) versionRows(t *testing.T) []string {
	t.Helper()
	if !contains(db.tables(t), engine.DefaultVersionTable) {
		return nil
	}
	var out []string
	for _, r := range db.query(t, 1, "SELECT version_num FROM migrate_version ORDER BY version_num") {
		out = append(out, asString(r[0]))
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func open(t *testing.T, db *testDB, fsys fstest.MapFS, mut ...func(*engine.Config)) *engine.Engine {
	t.Helper()
	cfg := engine.Config{URL: db.url, Scripts: fsys}
	for _, m := range mut {
		m(&cfg)
	}
	e, err := dbopen.Engine(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// sqlFile builds a script file.
func sqlFile(rev, down, up, downSQL string) *fstest.MapFile {
	s := "-- migrate:revision " + rev + "\n"
	if down != "" {
		s += "-- migrate:down_revision " + down + "\n"
	}
	s += "-- migrate:message " + rev + " message\n\n-- migrate:upgrade\n" + up + "\n"
	if downSQL != "-" {
		s += "\n-- migrate:downgrade\n" + downSQL + "\n"
	}
	return &fstest.MapFile{Data: []byte(s)}
}

func asInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return -1
}
