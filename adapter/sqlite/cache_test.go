package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/ncruces/go-sqlite3"
)

func openStmts(c *sqlite3.Conn) int {
	n := 0
	for range c.Stmts() {
		n++
	}
	return n
}

// TestStatementCache checks that a pooled connection compiles a statement
// with arguments once, reuses it with new arguments, and finalises it on
// Release; a caller's connection keeps nothing prepared.
func TestStatementCache(t *testing.T) {
	p, err := Open(t.Context(), filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ac, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c := ac.(*conn)
	if _, err := c.Exec(t.Context(), "CREATE TABLE v (x TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []string{"a", "b", "c"} {
		if n, err := tx.Exec(t.Context(), "INSERT INTO v VALUES (?)", x); err != nil || n != 1 {
			t.Fatalf("insert %s: %d rows, %v", x, n, err)
		}
	}
	// A failing run of a cached statement leaves it usable.
	if _, err := tx.Exec(t.Context(), "INSERT INTO v VALUES (?)", "a"); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	if n, err := tx.Exec(t.Context(), "INSERT INTO v VALUES (?)", "d"); err != nil || n != 1 {
		t.Fatalf("insert after a failure: %d rows, %v", n, err)
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := len(c.cache); got != 3 { // INSERT, BEGIN IMMEDIATE, COMMIT
		t.Errorf("%d cached statements, want 3", got)
	}
	raw := c.c
	c.Release()
	if n := openStmts(raw); n != 0 {
		t.Errorf("%d statements left open after Release", n)
	}

	own, err := sqlite3.Open(filepath.Join(t.TempDir(), "own.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	fc := FromConn(own)
	if _, err := fc.Exec(t.Context(), "CREATE TABLE v (x TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.Exec(t.Context(), "INSERT INTO v VALUES (?)", "a"); err != nil {
		t.Fatal(err)
	}
	if n := openStmts(own); n != 0 {
		t.Errorf("a caller's connection keeps %d statements prepared", n)
	}
}
