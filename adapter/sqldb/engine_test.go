package sqldb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqldb"
	"github.com/retort-sql/retort/engine"
)

func revision(id, down, up string) *fstest.MapFile {
	h := "-- migrate:revision " + id + "\n"
	if down != "" {
		h += "-- migrate:down_revision " + down + "\n"
	}
	return &fstest.MapFile{Data: []byte(h + "-- migrate:message " + id + " message\n-- migrate:upgrade\n" + up + "\n-- migrate:downgrade\n")}
}

// TestUpgradeInsideCallersTx runs Upgrade inside a caller's transaction
// that also writes rows of its own: the caller's rollback undoes both, its
// commit keeps both.
func TestUpgradeInsideCallersTx(t *testing.T) {
	scripts := fstest.MapFS{
		"1.sql": revision("r1", "", "CREATE TABLE account (id INTEGER PRIMARY KEY, name VARCHAR(50));"),
		"2.sql": revision("r2", "r1", "INSERT INTO account (id, name) VALUES (1, 'admin');"),
	}
	for _, db := range []database{pgx, liteFile} {
		t.Run(db.name, func(t *testing.T) {
			sdb := db.open(t)
			for _, commit := range []bool{false, true} {
				tx, err := sdb.BeginTx(t.Context(), nil)
				if err != nil {
					t.Fatal(err)
				}
				eng, err := engine.Open(t.Context(), engine.Config{Conn: sqldb.FromTx(tx, db.dialect), Scripts: scripts})
				if err != nil {
					t.Fatal(err)
				}
				res, err := eng.Upgrade(t.Context(), "head")
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Applied) != 2 {
					t.Fatalf("applied %v, want r1 and r2", res.Applied)
				}
				ins := "INSERT INTO account (id, name) VALUES (" + db.dialect.Placeholder(1) + ", 'service')"
				if _, err := tx.ExecContext(t.Context(), ins, 2); err != nil {
					t.Fatal(err)
				}
				_ = eng.Close()
				if commit {
					err = tx.Commit()
				} else {
					err = tx.Rollback()
				}
				if err != nil {
					t.Fatal(err)
				}
				var n int
				err = sdb.QueryRowContext(t.Context(), "SELECT count(*) FROM account").Scan(&n)
				switch {
				case !commit && err == nil:
					t.Fatalf("after rollback the account table exists with %d rows", n)
				case commit && (err != nil || n != 2):
					t.Fatalf("after commit: %d rows, %v; want 2", n, err)
				}
				var version string
				err = sdb.QueryRowContext(t.Context(), "SELECT version_num FROM migrate_version").Scan(&version)
				if commit && version != "r2" || !commit && err == nil {
					t.Fatalf("commit %v: version %q, %v", commit, version, err)
				}
			}
		})
	}
}

// TestCancelStopsTheServerStatement: a cancelled run on PostgreSQL through
// pgx's stdlib driver returns at once with an error that wraps ctx.Err()
// and names the revision, the server stops the statement, and the broken
// connection never goes back to the *sql.DB.
func TestCancelStopsTheServerStatement(t *testing.T) {
	sdb := pgx.open(t)
	sdb.SetMaxOpenConns(1)
	marker := "h12_cancel_" + strings.ReplaceAll(t.Name(), "/", "_")
	scripts := fstest.MapFS{"1.sql": revision("slow1", "", "SELECT pg_sleep(30) /* "+marker+" */;")}
	pool := sqldb.Open(sdb, sqldb.Postgres)
	pidOf := func() int64 {
		c, err := pool.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		rows, err := c.Query(t.Context(), "SELECT pg_backend_pid()")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var pid int64
		if !rows.Next() || rows.Scan(&pid) != nil {
			t.Fatalf("no backend pid: %v", rows.Err())
		}
		return pid
	}
	before := pidOf()
	eng, err := engine.Open(t.Context(), engine.Config{Pool: pool, Scripts: scripts})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = eng.Upgrade(ctx, "head")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Upgrade returned %s after start", took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if re, ok := errors.AsType[*engine.RevisionError](err); !ok || re.Revision != "slow1" || !strings.Contains(err.Error(), "slow1") {
		t.Fatalf("error %v does not name revision slow1", err)
	}
	if _, ok := errors.AsType[*adapter.ConnBrokenError](err); !ok {
		t.Errorf("error %v does not report the broken connection", err)
	}
	// The statement is gone from the server (filtered to this database and
	// this test's marker).
	deadline := time.Now().Add(3 * time.Second)
	for {
		var n int
		q := "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%" + marker + "%'"
		if err := sdb.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled statement still runs on the server %s after the cancel", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after := pidOf(); after == before {
		t.Errorf("the connection of the cancelled statement (pid %d) was reused", before)
	}
}

// TestReleaseDiscardsAConnHoldingTheLock: a pooled connection released
// while it still holds a session advisory lock is discarded, so the next
// user of the *sql.DB does not inherit the lock.
func TestReleaseDiscardsAConnHoldingTheLock(t *testing.T) {
	sdb := pgx.open(t)
	sdb.SetMaxOpenConns(1)
	pool := sqldb.Open(sdb, sqldb.Postgres)
	c, err := pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	vt := adapter.Ident{Name: "migrate_version"}
	if _, err := sqldb.Postgres.Lock(t.Context(), c, vt); err != nil {
		t.Fatal(err)
	}
	c.Release() // without unlock
	c2, err := pool.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	unlock, err := sqldb.Postgres.Lock(ctx, c2, vt)
	if err != nil {
		t.Fatalf("the lock outlived its released connection: %v", err)
	}
	if err := unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
}
