package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/pgtest"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// A caller's connection under pgx's default context watcher is closed by a
// cancelled statement: the error must say so.
func TestFromConnCancelReportsBrokenConnection(t *testing.T) {
	raw := connect(t, pgtest.URL(t))
	c := postgres.FromConn(raw)
	defer c.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Exec(ctx, slowSQL)
	if time.Since(start) > 1200*time.Millisecond {
		t.Fatalf("cancel took %s", time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if !raw.IsClosed() {
		t.Fatal("pgx's default watcher no longer closes the connection; revisit docs/cancellation.md")
	}
	var broken *adapter.ConnBrokenError
	if !errors.As(err, &broken) {
		t.Fatalf("error %v is not a ConnBrokenError", err)
	}
	c.Release() // does nothing to a caller's connection
}

func TestFromConnLeavesConnectionOpen(t *testing.T) {
	raw := connect(t, pgtest.URL(t))
	c := postgres.FromConn(raw)
	if c.InTx() {
		t.Fatal("connection outside a transaction reports InTx")
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), "CREATE TABLE t (id int)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Release()
	c.Release()
	if raw.IsClosed() {
		t.Fatal("Release closed the caller's connection")
	}
	if _, err := raw.Exec(t.Context(), "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
}

// Inside a caller's transaction Begin, Commit and Rollback do nothing: the
// caller's rollback undoes everything, and the lock is transaction-scoped.
func TestFromTx(t *testing.T) {
	url := pgtest.URL(t)
	raw := connect(t, url)
	for _, commit := range []bool{false, true} {
		name := map[bool]string{false: "rollback", true: "commit"}[commit]
		t.Run(name, func(t *testing.T) {
			ptx, err := raw.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := postgres.FromTx(ptx)
			if !c.InTx() {
				t.Fatal("caller's transaction does not report InTx")
			}
			vt := adapter.Ident{Name: "v_" + name}
			unlock, err := c.Locker().Lock(t.Context(), c, vt)
			if err != nil {
				t.Fatal(err)
			}
			if held := advisoryLocks(t, url); held != 1 {
				t.Fatalf("%d advisory locks held, want 1", held)
			}
			tx, err := c.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.Dialect().CreateVersionTable(vt) {
				if _, err := tx.Exec(t.Context(), s); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tx.Exec(t.Context(), c.Dialect().InsertHead(vt), "abc"); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := unlock(t.Context()); err != nil {
				t.Fatal(err)
			}
			c.Release()
			if commit {
				err = ptx.Commit(t.Context())
			} else {
				err = ptx.Rollback(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			if held := advisoryLocks(t, url); held != 0 {
				t.Fatalf("%d advisory locks held after the caller's %s", held, name)
			}
			var exists bool
			if err := raw.QueryRow(t.Context(), c.Dialect().VersionTableExists(vt)).Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if exists != commit {
				t.Fatalf("after %s the version table exists=%v", name, exists)
			}
		})
	}
}

func advisoryLocks(t *testing.T, url string) int {
	t.Helper()
	c := connect(t, url)
	var n int
	if err := c.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// After a cancel, the server runs nothing any more: the cancel request
// stopped pg_sleep rather than leaving it to run out.
func TestCancelLeavesNoBackendRunning(t *testing.T) {
	url := pgtest.URL(t)
	p := openPool(t)
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.Exec(ctx, "SELECT pg_sleep(30) /* retort-cancel-probe */"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	c.Release()
	admin := connect(t, url)
	var n int
	if err := admin.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
		WHERE query LIKE '%retort-cancel-probe%' AND state = 'active' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d backends still run the cancelled statement", n)
	}
	if got := p.PgxPool().Stat().AcquiredConns(); got != 0 {
		t.Fatalf("%d connections still acquired", got)
	}
}

func TestFromPoolCloseLeavesCallerPoolOpen(t *testing.T) {
	pp, err := pgxpool.New(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Close()
	p := postgres.FromPool(pp)
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.Release()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Acquire(t.Context()); !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("acquire after close: %v", err)
	}
	if err := pp.Ping(t.Context()); err != nil {
		t.Fatalf("caller's pool closed: %v", err)
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"bad port", "postgres://bob:s3cretpw@127.0.0.1:notaport/db"},
		{"unreachable", "postgres://bob:s3cretpw@127.0.0.1:1/db?connect_timeout=1"},
		{"bad option", "postgres://bob:s3cretpw@127.0.0.1/db?sslmode=bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			p, err := postgres.Open(ctx, tt.url)
			if err == nil {
				p.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "s3cretpw") {
				t.Fatalf("error leaks the password: %v", err)
			}
		})
	}
}

// Two schemas' version tables have distinct lock keys: holding one does not
// block the other. An unqualified name locks the schema search_path picks.
func TestLockPerSchema(t *testing.T) {
	p := openPool(t)
	c1, _ := p.Acquire(t.Context())
	defer c1.Release()
	c2, _ := p.Acquire(t.Context())
	defer c2.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	u1, err := c1.Locker().Lock(ctx, c1, adapter.Ident{Schema: "a", Name: "migrate_version"})
	if err != nil {
		t.Fatal(err)
	}
	defer u1(t.Context())
	u2, err := c2.Locker().Lock(ctx, c2, adapter.Ident{Schema: "b", Name: "migrate_version"})
	if err != nil {
		t.Fatalf("lock on schema b blocked by schema a: %v", err)
	}
	defer u2(t.Context())
	// public.migrate_version and "migrate_version" under search_path public
	// are the same table and the same lock.
	short, cancelShort := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancelShort()
	u3, err := c1.Locker().Lock(short, c1, adapter.Ident{Name: "migrate_version"})
	if err != nil {
		t.Fatal(err)
	}
	defer u3(t.Context())
	if _, err := c2.Locker().Lock(short, c2, adapter.Ident{Schema: "public", Name: "migrate_version"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("public.migrate_version not excluded by the unqualified lock: %v", err)
	}
}

// A connection released while still holding a session lock is destroyed,
// which frees the lock, instead of going back to the pool with it.
func TestReleaseWithLockHeldFreesLock(t *testing.T) {
	url := pgtest.URL(t)
	p, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, _ := p.Acquire(t.Context())
	if _, err := c.Locker().Lock(t.Context(), c, adapter.Ident{Name: "v"}); err != nil {
		t.Fatal(err)
	}
	c.Release()
	deadline := time.Now().Add(5 * time.Second)
	for advisoryLocks(t, url) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("lock still held after Release")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLockWaitReportsHolder(t *testing.T) {
	p := openPool(t)
	c1, _ := p.Acquire(t.Context())
	defer c1.Release()
	c2, _ := p.Acquire(t.Context())
	defer c2.Release()
	vt := adapter.Ident{Name: "migrate_version"}
	unlock, err := c1.Locker().Lock(t.Context(), c1, vt)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(t.Context())
	var reports []string
	ctx := adapter.WithLockWait(t.Context(), func(holder string, waited time.Duration) {
		reports = append(reports, holder)
	})
	ctx, cancel := context.WithTimeout(ctx, 6500*time.Millisecond)
	defer cancel()
	if _, err := c2.Locker().Lock(ctx, c2, vt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if len(reports) != 1 {
		t.Fatalf("got %d reports in 6.5 s, want 1: %q", len(reports), reports)
	}
	if !strings.Contains(reports[0], `application_name "retort"`) || !strings.HasPrefix(reports[0], "pid ") {
		t.Fatalf("report %q does not name the holder", reports[0])
	}
}
