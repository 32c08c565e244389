package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/retort-sql/retort/adapter"
)

// Option adjusts [Run].
type Option func(*options)

type options struct {
	slowSQL string
}

// SlowStatement sets a statement that runs for far longer than a second
// (PostgreSQL: SELECT pg_sleep(30); MySQL: SELECT SLEEP(30); SQLite: a recursive CTE counting to a
// billion), used to cancel a statement in flight. Run requires it.
func SlowStatement(sql string) Option {
	return func(o *options) { o.slowSQL = sql }
}

// CancelBound is the longest a cancelled statement may take to return.
const CancelBound = time.Second

// Run runs the conformance suite. open must return a new pool on an empty
// database for each call; Run closes it when the subtest ends (Close must be
// idempotent, so open may also register it). Goroutines started during Run
// must all have ended by its end.
func Run(t *testing.T, open func(t *testing.T) adapter.Pool, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.slowSQL == "" {
		t.Fatal("adaptertest: SlowStatement option is required")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	openPool := func(t *testing.T) adapter.Pool {
		t.Helper()
		p := open(t)
		t.Cleanup(func() {
			if err := p.Close(); err != nil {
				t.Errorf("close pool: %v", err)
			}
		})
		return p
	}
	tests := []struct {
		name string
		run  func(t *testing.T, p adapter.Pool, o options)
	}{
		{"ExecQueryRoundTrip", testRoundTrip},
		{"ExecScriptWithoutArgs", testExecScript},
		{"TxCommit", testTxCommit},
		{"TxRollbackUndoesDDL", testTxRollback},
		{"VersionTable", testVersionTable},
		{"CancelMidStatement", testCancel},
		{"CancelMidStatementInTx", testCancelInTx},
		{"DeadlineMidStatement", testDeadline},
		{"LockExcludesSecondHolder", testLock},
		{"AcquireHonoursCtxWhenExhausted", testAcquireExhausted},
		{"ReleaseIsIdempotent", testReleaseTwice},
		{"AcquireAfterClose", testAcquireAfterClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, openPool(t), o)
		})
	}
}

func acquire(t *testing.T, p adapter.Pool) adapter.Conn {
	t.Helper()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	t.Cleanup(c.Release)
	return c
}

// ph returns the n-th (1-based) parameter placeholder of the dialect.
func ph(d adapter.Dialect, n int) string { return d.Placeholder(n) }

func mustExec(t *testing.T, q adapter.Querier, sql string, args ...any) int64 {
	t.Helper()
	n, err := q.Exec(t.Context(), sql, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", sql, err)
	}
	return n
}

func queryStrings(t *testing.T, q adapter.Querier, sql string, args ...any) []string {
	t.Helper()
	rows, err := q.Query(t.Context(), sql, args...)
	if err != nil {
		t.Fatalf("query %q: %v", sql, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("scan %q: %v", sql, err)
		}
		out = append(out, s)
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("rows of %q: %v", sql, err)
	}
	return out
}

// tableExists runs the dialect's VersionTableExists query, which yields a
// boolean (PostgreSQL) or 0/1 (SQLite).
func tableExists(t *testing.T, q adapter.Querier, d adapter.Dialect, table adapter.Ident) bool {
	t.Helper()
	rows, err := q.Query(t.Context(), d.VersionTableExists(table))
	if err != nil {
		t.Fatalf("table exists: %v", err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("table exists: no row: %v", rows.Err())
	}
	var v any
	if err := rows.Scan(&v); err != nil {
		t.Fatalf("table exists: scan: %v", err)
	}
	if err := rows.Close(); err != nil {
		t.Fatalf("table exists: %v", err)
	}
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	t.Fatalf("table exists: unexpected value %T %v", v, v)
	return false
}

func testRoundTrip(t *testing.T, p adapter.Pool, _ options) {
	c := acquire(t, p)
	d := c.Dialect()
	mustExec(t, c, "CREATE TABLE rt (s VARCHAR(50), i BIGINT, f DOUBLE PRECISION, b BOOLEAN, n VARCHAR(10))")
	ins := fmt.Sprintf("INSERT INTO rt (s, i, f, b, n) VALUES (%s, %s, %s, %s, %s)",
		ph(d, 1), ph(d, 2), ph(d, 3), ph(d, 4), ph(d, 5))
	for i, s := range []string{"it's", "two"} {
		if n := mustExec(t, c, ins, s, int64(i+40), 1.5, true, nil); n != 1 {
			t.Fatalf("insert affected %d rows, want 1", n)
		}
	}
	if n := mustExec(t, c, "UPDATE rt SET i = i + 1"); n != 2 {
		t.Fatalf("update affected %d rows, want 2", n)
	}
	rows, err := c.Query(t.Context(), "SELECT s, i, f, b FROM rt WHERE i > "+ph(d, 1)+" ORDER BY i", 40)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		s string
		i int64
		f float64
		b bool
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.s, &r.i, &r.f, &r.b); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	want := []row{{"it's", 41, 1.5, true}, {"two", 42, 1.5, true}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	lit := queryStrings(t, c, "SELECT "+d.Literal("a'b\\c"))
	if !slices.Equal(lit, []string{"a'b\\c"}) {
		t.Fatalf("literal round trip gave %q", lit)
	}
}

// Exec without arguments accepts several statements, as a revision body may
// hold them.
func testExecScript(t *testing.T, p adapter.Pool, _ options) {
	c := acquire(t, p)
	mustExec(t, c, "CREATE TABLE s1 (id INTEGER); INSERT INTO s1 (id) VALUES (1); INSERT INTO s1 (id) VALUES (2)")
	got := queryStrings(t, c, "SELECT CAST(count(*) AS VARCHAR(10)) FROM s1")
	if !slices.Equal(got, []string{"2"}) {
		t.Fatalf("script left %v rows, want 2", got)
	}
}

func testTxCommit(t *testing.T, p adapter.Pool, _ options) {
	c := acquire(t, p)
	if c.InTx() {
		t.Fatal("pooled connection reports InTx")
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "CREATE TABLE committed (id INTEGER)")
	mustExec(t, tx, "INSERT INTO committed (id) VALUES (1)")
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	c.Release()
	c2 := acquire(t, p)
	if got := queryStrings(t, c2, "SELECT CAST(id AS VARCHAR(10)) FROM committed"); !slices.Equal(got, []string{"1"}) {
		t.Fatalf("after commit got %v", got)
	}
}

func testTxRollback(t *testing.T, p adapter.Pool, _ options) {
	c := acquire(t, p)
	d := c.Dialect()
	if !d.TransactionalDDL() {
		testTxRollbackDML(t, c, d)
		return
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "CREATE TABLE rolled_back (id INTEGER)")
	mustExec(t, tx, "INSERT INTO rolled_back (id) VALUES (1)")
	if !tableExists(t, tx, d, adapter.Ident{Name: "rolled_back"}) {
		t.Fatal("table not visible inside its transaction")
	}
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if tableExists(t, c, d, adapter.Ident{Name: "rolled_back"}) {
		t.Fatal("table created in a rolled back transaction exists")
	}
}

// testTxRollbackDML checks a dialect that reports non-transactional DDL
// (MySQL): the report must be true, DDL survives a rollback, and DML in a
// transaction still rolls back.
func testTxRollbackDML(t *testing.T, c adapter.Conn, d adapter.Dialect) {
	mustExec(t, c, "CREATE TABLE rolled_back (id INTEGER)")
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "INSERT INTO rolled_back (id) VALUES (1)")
	mustExec(t, tx, "CREATE TABLE ddl_in_tx (id INTEGER)")
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t, c, d, adapter.Ident{Name: "ddl_in_tx"}) {
		t.Fatal("dialect reports non-transactional DDL, but a rolled back CREATE TABLE was undone")
	}
	// The CREATE TABLE committed the INSERT before it; a second
	// transaction of DML alone rolls back.
	tx, err = c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "INSERT INTO rolled_back (id) VALUES (2)")
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := queryStrings(t, c, "SELECT CAST(id AS CHAR) FROM rolled_back ORDER BY id")
	if !slices.Equal(got, []string{"1"}) {
		t.Fatalf("rows after rollbacks %v, want [1] (the implicit commit of the DDL keeps row 1, the DML-only rollback drops row 2)", got)
	}
}

func testVersionTable(t *testing.T, p adapter.Pool, _ options) {
	c := acquire(t, p)
	d := p.Dialect()
	vt := adapter.Ident{Name: "migrate_version"}
	if tableExists(t, c, d, vt) {
		t.Fatal("version table exists before creation")
	}
	for range 2 {
		for _, s := range d.CreateVersionTable(vt) {
			mustExec(t, c, s)
		}
	}
	if !tableExists(t, c, d, vt) {
		t.Fatal("version table missing after creation")
	}
	for _, r := range []string{"aaa", "bbb"} {
		if n := mustExec(t, c, d.InsertHead(vt), r); n != 1 {
			t.Fatalf("insert head affected %d rows", n)
		}
	}
	// A failed statement aborts a caller's PostgreSQL transaction, so the
	// primary key is checked outside one only.
	if !c.InTx() {
		if _, err := c.Exec(t.Context(), d.InsertHead(vt), "aaa"); err == nil {
			t.Fatal("duplicate head inserted: primary key missing")
		}
	}
	if n := mustExec(t, c, d.UpdateHead(vt), "ccc", "aaa"); n != 1 {
		t.Fatalf("update head affected %d rows", n)
	}
	if n := mustExec(t, c, d.DeleteHead(vt), "bbb"); n != 1 {
		t.Fatalf("delete head affected %d rows", n)
	}
	got := queryStrings(t, c, d.SelectHeads(vt))
	if !slices.Equal(got, []string{"ccc"}) {
		t.Fatalf("heads %v, want [ccc]", got)
	}
}

// runSlow runs the slow statement under ctx and checks that it returns in
// time with an error wrapping want.
func runSlow(t *testing.T, ctx context.Context, q adapter.Querier, sql string, want error) {
	t.Helper()
	start := time.Now()
	_, err := q.Exec(ctx, sql)
	elapsed := time.Since(start)
	t.Logf("statement returned %s after start: %v", elapsed.Round(time.Millisecond), err)
	if !errors.Is(err, want) {
		t.Fatalf("error %v does not wrap %v", err, want)
	}
	if elapsed > 200*time.Millisecond+CancelBound {
		t.Fatalf("statement returned after %s, want within %s of the cancel", elapsed, CancelBound)
	}
}

func cancelAfter(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	timer := time.AfterFunc(d, cancel)
	t.Cleanup(func() { timer.Stop(); cancel() })
	return ctx
}

func checkUsable(t *testing.T, p adapter.Pool) {
	t.Helper()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatalf("acquire after cancel: %v", err)
	}
	defer c.Release()
	if got := queryStrings(t, c, "SELECT 'ok'"); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("pool after cancel: got %v", got)
	}
}

func testCancel(t *testing.T, p adapter.Pool, o options) {
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	runSlow(t, cancelAfter(t, 200*time.Millisecond), c, o.slowSQL, context.Canceled)
	c.Release()
	checkUsable(t, p)
}

func testCancelInTx(t *testing.T, p adapter.Pool, o options) {
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d := c.Dialect()
	if !d.TransactionalDDL() {
		// DDL would commit at once: the transaction holds an INSERT.
		mustExec(t, c, "CREATE TABLE cancelled_rows (id INTEGER)")
	}
	tx, err := c.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d.TransactionalDDL() {
		mustExec(t, tx, "CREATE TABLE cancelled_tx (id INTEGER)")
	} else {
		mustExec(t, tx, "INSERT INTO cancelled_rows (id) VALUES (1)")
	}
	runSlow(t, cancelAfter(t, 200*time.Millisecond), tx, o.slowSQL, context.Canceled)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 5*time.Second)
	defer cancel()
	if err := tx.Rollback(rctx); err != nil {
		var broken *adapter.ConnBrokenError
		if !errors.As(err, &broken) {
			t.Fatalf("rollback after cancel: %v", err)
		}
	}
	c.Release()
	checkUsable(t, p)
	c2 := acquire(t, p)
	if !d.TransactionalDDL() {
		if got := queryStrings(t, c2, "SELECT 'row' FROM cancelled_rows"); len(got) != 0 {
			t.Fatalf("rows of the cancelled transaction exist: %v", got)
		}
		return
	}
	if tableExists(t, c2, d, adapter.Ident{Name: "cancelled_tx"}) {
		t.Fatal("table of the cancelled transaction exists")
	}
}

func testDeadline(t *testing.T, p adapter.Pool, o options) {
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	runSlow(t, ctx, c, o.slowSQL, context.DeadlineExceeded)
	c.Release()
	checkUsable(t, p)
}

func testLock(t *testing.T, p adapter.Pool, _ options) {
	d := p.Dialect()
	vt := adapter.Ident{Name: "lock_version"}
	c1 := acquire(t, p)
	unlock, err := d.Lock(t.Context(), c1, vt)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}

	// A second holder waits until its ctx ends. A pool of one connection
	// (SQLite :memory:) already excludes it at Acquire.
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	c2, err := p.Acquire(ctx)
	if err == nil {
		var unlock2 func(context.Context) error
		unlock2, err = d.Lock(ctx, c2, vt)
		if err == nil {
			_ = unlock2(t.Context())
			c2.Release()
			t.Fatal("second Lock succeeded while the first held the lock")
		}
		c2.Release()
		if _, ok := errors.AsType[*adapter.LockWaitError](err); !ok {
			t.Fatalf("second holder: %v is not an *adapter.LockWaitError", err)
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second holder: got %v, want context.DeadlineExceeded", err)
	}
	if waited := time.Since(start); waited > 300*time.Millisecond+CancelBound {
		t.Fatalf("second holder gave up after %s", waited)
	}

	if err := unlock(context.WithoutCancel(t.Context())); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	c1.Release()
	c3 := acquire(t, p)
	ctx3, cancel3 := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel3()
	unlock3, err := d.Lock(ctx3, c3, vt)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := unlock3(t.Context()); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}

func testAcquireExhausted(t *testing.T, p adapter.Pool, _ options) {
	const most = 64
	var held []adapter.Conn
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		start := time.Now()
		c, err := p.Acquire(ctx)
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("acquire on exhausted pool: %v, want context.DeadlineExceeded", err)
			}
			if waited := time.Since(start); waited > CancelBound {
				t.Fatalf("acquire waited %s past its deadline", waited)
			}
			break
		}
		held = append(held, c)
		if len(held) > most {
			t.Fatalf("pool handed out more than %d connections", most)
		}
	}
	if len(held) == 0 {
		t.Fatal("pool handed out no connection")
	}
	held[0].Release()
	held = held[1:]
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("acquire after a release: %v", err)
	}
	held = append(held, c)
}

func testReleaseTwice(t *testing.T, p adapter.Pool, _ options) {
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c.Release()
	c.Release()
	checkUsable(t, p)
}

func testAcquireAfterClose(t *testing.T, p adapter.Pool, _ options) {
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := p.Acquire(t.Context())
	if !errors.Is(err, adapter.ErrClosed) {
		t.Fatalf("acquire after close: %v, want adapter.ErrClosed", err)
	}
	if !strings.Contains(err.Error(), "closed") {
		t.Fatalf("error %q does not say closed", err)
	}
}
