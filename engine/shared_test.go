package engine_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	adsqlite "github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/revgraph"
)

// sharedConn opens a caller-owned connection to db, begins a transaction on
// it, and returns it wrapped for the engine with the caller's commit and
// rollback.
func sharedConn(t *testing.T, db *testDB) (c adapter.Conn, commit, rollback func() error) {
	t.Helper()
	ctx := t.Context()
	switch db.name {
	case "postgres":
		pc, err := pgx.Connect(ctx, db.url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pc.Close(ctx) })
		tx, err := pc.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return postgres.FromTx(tx), func() error { return tx.Commit(ctx) }, func() error { return tx.Rollback(ctx) }
	default:
		sc, err := sqlite3.Open(db.url[len("sqlite:"):])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sc.Close() })
		if err := sc.Exec("BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		return adsqlite.FromConn(sc), func() error { return sc.Exec("COMMIT") }, func() error { return sc.Exec("ROLLBACK") }
	}
}

func TestSharedTransaction(t *testing.T) {
	eachTransactionalDB(t, func(t *testing.T, db *testDB) {
		for _, tc := range []struct {
			name   string
			commit bool
		}{{"rollback", false}, {"commit", true}} {
			t.Run(tc.name, func(t *testing.T) {
				conn, commit, rollback := sharedConn(t, db)
				e, err := engine.Open(t.Context(), engine.Config{Conn: conn, Scripts: linear()})
				if err != nil {
					t.Fatal(err)
				}
				defer e.Close()
				res, err := e.Upgrade(t.Context(), "head")
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Applied) != 3 {
					t.Fatalf("applied %v", appliedIDs(res))
				}
				// Inside the caller's transaction the engine sees its own work.
				cur, err := e.Current(t.Context())
				if err != nil || !slices.Equal(cur, []string{"c3"}) {
					t.Fatalf("current inside the transaction: %v %v", cur, err)
				}
				finish := rollback
				if tc.commit {
					finish = commit
				}
				if err := finish(); err != nil {
					t.Fatal(err)
				}
				tables, rows := db.tables(t), db.versionRows(t)
				if tc.commit {
					if !contains(tables, "t_c") || !slices.Equal(rows, []string{"c3"}) {
						t.Fatalf("after commit: tables %v rows %v", tables, rows)
					}
				} else if len(tables) != 0 || rows != nil {
					t.Fatalf("after rollback: tables %v rows %v", tables, rows)
				}
			})
			// Leave the next case an empty database.
			if tc.commit {
				break
			}
		}
	})
}

func TestGoRevisionsRunOnTheSyncConn(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		var mu sync.Mutex
		var dialects []string
		gorevs := []engine.GoRevision{{
			Revision: revgraph.Revision{ID: "g1", Down: []string{"c3"}, Message: "backfill"},
			Up: func(c engine.Conn) error {
				mu.Lock()
				dialects = append(dialects, c.Dialect())
				mu.Unlock()
				if _, err := c.Exec("INSERT INTO t_c (id) VALUES (7)"); err != nil {
					return err
				}
				rows, err := c.Query("SELECT count(*) FROM t_b")
				if err != nil {
					return err
				}
				defer rows.Close()
				var n int64
				for rows.Next() {
					if err := rows.Scan(&n); err != nil {
						return err
					}
				}
				if n != 1 {
					t.Errorf("t_b has %d rows, want 1", n)
				}
				return rows.Err()
			},
			Down: func(c engine.Conn) error {
				_, err := c.Exec("DELETE FROM t_c WHERE id = 7")
				return err
			},
		}}
		e := open(t, db, linear(), func(c *engine.Config) { c.GoRevisions = gorevs })
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		if got := db.query(t, 1, "SELECT count(*) FROM t_c"); got[0][0] != int64(1) {
			t.Fatalf("t_c rows: %v", got)
		}
		if !slices.Equal(dialects, []string{db.name}) {
			t.Fatalf("Conn.Dialect() = %v", dialects)
		}
		if _, err := e.Downgrade(t.Context(), "c3"); err != nil {
			t.Fatal(err)
		}
		if got := db.query(t, 1, "SELECT count(*) FROM t_c"); got[0][0] != int64(0) {
			t.Fatalf("t_c rows after downgrade: %v", got)
		}
	})
}
