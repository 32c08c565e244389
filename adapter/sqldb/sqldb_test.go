package sqldb_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/adaptertest"
	"github.com/retort-sql/retort/adapter/sqldb"
	"github.com/retort-sql/retort/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	pgSlow = "SELECT pg_sleep(30)"
	// liteSlow counts to a billion: minutes of work, unless interrupted.
	liteSlow = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c`
)

// database is one database/sql driver on a fresh database.
type database struct {
	name    string
	dialect sqldb.Dialect
	slow    string
	open    func(t *testing.T) *sql.DB
}

func sqlOpen(t *testing.T, driver, dsn string, maxConns int) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(maxConns)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

var (
	pgx = database{"pgx-stdlib", sqldb.Postgres, pgSlow, func(t *testing.T) *sql.DB {
		return sqlOpen(t, "pgx", pgtest.URL(t), 4)
	}}
	liteFile = database{"ncruces-file", sqldb.SQLite, liteSlow, func(t *testing.T) *sql.DB {
		dsn := "file:" + filepath.Join(t.TempDir(), "test.db") + "?_pragma=busy_timeout(10000)"
		return sqlOpen(t, "sqlite3", dsn, 4)
	}}
	liteMemory = database{"ncruces-memory", sqldb.SQLite, liteSlow, func(t *testing.T) *sql.DB {
		// One connection: each connection to :memory: is its own database.
		return sqlOpen(t, "sqlite3", "file::memory:", 1)
	}}
)

func TestConformanceOpen(t *testing.T) {
	for _, db := range []database{pgx, liteFile, liteMemory} {
		t.Run(db.name, func(t *testing.T) {
			adaptertest.Run(t, func(t *testing.T) adapter.Pool {
				return sqldb.Open(db.open(t), db.dialect)
			}, adaptertest.SlowStatement(db.slow))
		})
	}
}

func TestConformanceFromConn(t *testing.T) {
	for _, db := range []database{pgx, liteFile} {
		t.Run(db.name, func(t *testing.T) {
			adaptertest.RunShared(t, func(t *testing.T) adapter.Pool {
				return sqldb.Open(db.open(t), db.dialect)
			}, func(t *testing.T, p adapter.Pool) adaptertest.Shared {
				c, err := p.(*sqldb.Pool).DB().Conn(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				return adaptertest.Shared{Conn: sqldb.FromConn(c, db.dialect), End: func(bool) error { return c.Close() }}
			}, adaptertest.SlowStatement(db.slow))
		})
	}
}

func TestConformanceFromTx(t *testing.T) {
	for _, db := range []database{pgx, liteFile} {
		t.Run(db.name, func(t *testing.T) {
			adaptertest.RunShared(t, func(t *testing.T) adapter.Pool {
				return sqldb.Open(db.open(t), db.dialect)
			}, func(t *testing.T, p adapter.Pool) adaptertest.Shared {
				tx, err := p.(*sqldb.Pool).DB().BeginTx(t.Context(), nil)
				if err != nil {
					t.Fatal(err)
				}
				end := func(commit bool) error {
					if commit {
						return tx.Commit()
					}
					if err := tx.Rollback(); err != nil && err != sql.ErrTxDone {
						return err
					}
					return nil
				}
				return adaptertest.Shared{Conn: sqldb.FromTx(tx, db.dialect), End: end}
			}, adaptertest.SlowStatement(db.slow))
		})
	}
}
