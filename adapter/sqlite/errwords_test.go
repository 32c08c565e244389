package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter/sqlite"
)

// A full database reads as full, with its code, not as a bare driver
// message; the error still matches the driver's code.
func TestFullDatabaseSaysSo(t *testing.T) {
	p, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "full.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	for _, s := range []string{"CREATE TABLE big (b blob)", "PRAGMA max_page_count = 8"} {
		if _, err := c.Exec(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Exec(t.Context(), "INSERT INTO big VALUES (zeroblob(1000000))")
	if err == nil {
		t.Fatal("a 1 MB row fitted in 8 pages")
	}
	if !strings.Contains(err.Error(), "full (SQLITE_FULL)") || !errors.Is(err, sqlite3.FULL) {
		t.Fatalf("got %v, want it to say the database is full (SQLITE_FULL)", err)
	}
}

// The busy wait follows the statement's deadline: a lock held longer than
// DefaultBusyTimeout is waited out when the deadline allows, and a shorter
// deadline ends the wait early.
func TestBusyWaitFollowsDeadline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	p, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	holder, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Release()
	waiter, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Release()
	if _, err := holder.Exec(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := waiter.Exec(short, "BEGIN IMMEDIATE"); err == nil {
		t.Fatal("took the write lock while it was held")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a 300 ms deadline waited %v", d)
	}

	hold := sqlite.DefaultBusyTimeout + 700*time.Millisecond
	time.AfterFunc(hold, func() { _, _ = holder.Exec(context.Background(), "COMMIT") })
	long, cancel2 := context.WithTimeout(t.Context(), hold+20*time.Second)
	defer cancel2()
	start = time.Now()
	if _, err := waiter.Exec(long, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("after %v: %v; want the wait to last until the lock was released at %v", time.Since(start), err, hold)
	}
	if _, err := waiter.Exec(t.Context(), "COMMIT"); err != nil {
		t.Fatal(err)
	}
}
