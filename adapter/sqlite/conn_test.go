package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqlite"
)

func openFile(t *testing.T, path string) *sqlite.Pool {
	t.Helper()
	p, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func acquire(t *testing.T, p adapter.Pool) adapter.Conn {
	t.Helper()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	return c
}

func TestOpenUsesWAL(t *testing.T) {
	c := acquire(t, openFile(t, filepath.Join(t.TempDir(), "wal.db")))
	rows, err := c.Query(t.Context(), "PRAGMA journal_mode")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var mode string
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if err := rows.Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode %q, want wal", mode)
	}
}

func TestScanAndBindTypes(t *testing.T) {
	c := acquire(t, openFile(t, sqlite.MemoryPath))
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rows, err := c.Query(t.Context(), "SELECT ?, ?, ?, ?, ?, ?, ?, ?",
		"s", 7, int64(8), 1.25, true, []byte{1, 2}, nil, when)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	var (
		s   string
		i   int
		i64 int64
		f   float64
		b   bool
		bs  []byte
		n   any
		tm  time.Time
	)
	if err := rows.Scan(&s, &i, &i64, &f, &b, &bs, &n, &tm); err != nil {
		t.Fatal(err)
	}
	if s != "s" || i != 7 || i64 != 8 || f != 1.25 || !b || string(bs) != "\x01\x02" || n != nil || !tm.Equal(when) {
		t.Fatalf("got %q %d %d %v %v %v %v %v", s, i, i64, f, b, bs, n, tm)
	}
	if rows.Next() {
		t.Fatal("second row")
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestQueryErrors(t *testing.T) {
	c := acquire(t, openFile(t, sqlite.MemoryPath))
	tests := []struct {
		name    string
		sql     string
		args    []any
		wantErr string
	}{
		{"two statements with args", "SELECT ?; SELECT 2", []any{1}, "single statement"},
		{"arg count", "SELECT ?", []any{1, 2}, "2 arguments for 1 parameters"},
		{"arg type", "SELECT ?", []any{struct{}{}}, "unsupported type"},
		{"syntax", "SELEC 1", nil, "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := c.Query(t.Context(), tt.sql, tt.args...)
			if err == nil {
				rows.Close()
				t.Fatal("query succeeded")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestExecRunsScripts(t *testing.T) {
	c := acquire(t, openFile(t, sqlite.MemoryPath))
	n, err := c.Exec(t.Context(), "CREATE TABLE a (x); INSERT INTO a VALUES (1), (2); INSERT INTO a VALUES (3)")
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("affected %d rows, want 3", n)
	}
}

// A writer waiting for another connection's write lock gives up when its
// context does, long before the 5 s busy timeout.
func TestBusyWaitHonoursCtx(t *testing.T) {
	p := openFile(t, filepath.Join(t.TempDir(), "busy.db"))
	c1, c2 := acquire(t, p), acquire(t, p)
	tx, err := c1.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c2.Begin(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second BEGIN IMMEDIATE: %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("waited %s", waited)
	}
}

// Two pools on one file stand for two processes: the sidecar file lock
// excludes the second.
func TestLockAcrossPools(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	p1, p2 := openFile(t, path), openFile(t, path)
	c1, c2 := acquire(t, p1), acquire(t, p2)
	vt := adapter.Ident{Name: "migrate_version"}
	unlock, err := c1.Locker().Lock(t.Context(), c1, vt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + sqlite.LockFileSuffix); err != nil {
		t.Fatalf("lock file: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, err := c2.Locker().Lock(ctx, c2, vt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second pool: %v, want context.DeadlineExceeded", err)
	}
	if err := unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	unlock2, err := c2.Locker().Lock(t.Context(), c2, vt)
	if err != nil {
		t.Fatal(err)
	}
	// Releasing without unlocking drops the lock too.
	c2.Release()
	unlock3, err := c1.Locker().Lock(t.Context(), c1, vt)
	if err != nil {
		t.Fatalf("lock after holder's release: %v", err)
	}
	if err := unlock3(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := unlock2(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestFromConn(t *testing.T) {
	raw, err := sqlite3.Open(filepath.Join(t.TempDir(), "caller.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	c := sqlite.FromConn(raw)
	if c.InTx() {
		t.Fatal("autocommit connection reports InTx")
	}
	if _, err := c.Exec(t.Context(), "CREATE TABLE kept (x)"); err != nil {
		t.Fatal(err)
	}
	c.Release()

	// Inside the caller's transaction the adapter commits nothing: the
	// caller's rollback undoes its work.
	if err := raw.Exec("BEGIN"); err != nil {
		t.Fatal(err)
	}
	c = sqlite.FromConn(raw)
	if !c.InTx() {
		t.Fatal("connection in a transaction does not report InTx")
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), "CREATE TABLE dropped (x)"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if raw.GetAutocommit() {
		t.Fatal("the adapter ended the caller's transaction")
	}
	if err := raw.Exec("ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := raw.Exec("SELECT * FROM dropped"); err == nil {
		t.Fatal("table of the rolled back transaction exists")
	}
	if err := raw.Exec("SELECT * FROM kept"); err != nil {
		t.Fatal(err)
	}
	// The caller's interrupt context is restored after each call.
	if raw.GetInterrupt() != context.Background() {
		t.Fatal("interrupt context left bound")
	}
}

func TestOpenBadPath(t *testing.T) {
	_, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "missing", "dir", "x.db"))
	if err == nil {
		t.Fatal("Open succeeded")
	}
}
