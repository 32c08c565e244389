package postgres_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter"
)

func batcher(t *testing.T, p adapter.Pool) (adapter.Conn, adapter.Batcher) {
	t.Helper()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	b, ok := c.(adapter.Batcher)
	if !ok {
		t.Fatal("the PostgreSQL connection is not an adapter.Batcher")
	}
	return c, b
}

func count(t *testing.T, c adapter.Querier, sql string) int {
	t.Helper()
	rows, err := c.Query(t.Context(), sql)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	if !rows.Next() {
		t.Fatalf("%s: no row", sql)
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBeginBatch runs a transaction's statements as one batch, reads the
// rows each affected, and ends it with CommitBatch.
func TestBeginBatch(t *testing.T) {
	p := openPool(t)
	c, b := batcher(t, p)
	tx, affected, ok, err := b.BeginBatch(t.Context(), []adapter.Statement{
		{SQL: "CREATE TABLE bt (id int PRIMARY KEY, v text, n bigint, f boolean)"},
		{SQL: "INSERT INTO bt VALUES ($1, $2, $3, $4), (2, 'b', 0, false)", Args: []any{1, "a'quote", int64(7), true}},
		{SQL: "UPDATE bt SET v = $1 WHERE id = $2", Args: []any{"z", 42}},
	})
	if err != nil || !ok {
		t.Fatalf("BeginBatch: ok %v, %v", ok, err)
	}
	if len(affected) != 3 || affected[1] != 2 || affected[2] != 0 {
		t.Fatalf("affected %v, want [0 2 0]", affected)
	}
	bt, isBatchTx := tx.(adapter.BatchTx)
	if !isBatchTx {
		t.Fatal("the batch's Tx is not an adapter.BatchTx")
	}
	if err := bt.CommitBatch(t.Context(), []adapter.Statement{{SQL: "INSERT INTO bt VALUES ($1, $2, 0, $3)", Args: []any{3, nil, false}}}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, c, "SELECT count(*) FROM bt WHERE v = 'a''quote' OR id = 3"); n != 2 {
		t.Fatalf("%d rows committed, want 2", n)
	}
	// A value the text encoding does not know is left to the caller,
	// with nothing sent.
	if tx, _, ok, err := b.BeginBatch(t.Context(), []adapter.Statement{{SQL: "INSERT INTO bt VALUES (9, $1, 0, false)", Args: []any{[]byte("x")}}}); ok || err != nil || tx != nil {
		t.Fatalf("BeginBatch with a []byte: ok %v, %v", ok, err)
	}
	if n := count(t, c, "SELECT count(*) FROM bt"); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
}

// TestBeginBatchFailure names the failing statement, runs none after it and
// leaves nothing of the batch behind; the connection stays usable.
func TestBeginBatchFailure(t *testing.T) {
	p := openPool(t)
	c, b := batcher(t, p)
	_, _, _, err := b.BeginBatch(t.Context(), []adapter.Statement{
		{SQL: "CREATE TABLE bf (id int PRIMARY KEY)"},
		{SQL: "INSERT INTO no_such_table VALUES (1)"},
		{SQL: "CREATE TABLE bf2 (id int)"},
	})
	var be *adapter.BatchError
	if !errors.As(err, &be) || be.Index != 1 || !strings.Contains(err.Error(), "no_such_table") {
		t.Fatalf("want a BatchError at statement 1 about no_such_table, got %v", err)
	}
	if n := count(t, c, "SELECT count(*) FROM pg_tables WHERE tablename IN ('bf', 'bf2')"); n != 0 {
		t.Fatalf("%d tables of the failed batch exist", n)
	}
	// CommitBatch: a failing statement before the COMMIT rolls back too.
	tx, _, _, err := b.BeginBatch(t.Context(), []adapter.Statement{{SQL: "CREATE TABLE bf (id int PRIMARY KEY)"}})
	if err != nil {
		t.Fatal(err)
	}
	err = tx.(adapter.BatchTx).CommitBatch(t.Context(), []adapter.Statement{{SQL: "INSERT INTO bf VALUES (1), (1)"}})
	if !errors.As(err, &be) || be.Index != 0 {
		t.Fatalf("want a BatchError at statement 0, got %v", err)
	}
	if n := count(t, c, "SELECT count(*) FROM pg_tables WHERE tablename = 'bf'"); n != 0 {
		t.Fatal("the failed CommitBatch committed")
	}
}
