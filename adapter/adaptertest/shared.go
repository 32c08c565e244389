package adaptertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/retort-sql/retort/adapter"
)

// Shared is a caller's own connection or open transaction wrapped by an
// adapter's FromConn or FromTx, for [RunShared].
type Shared struct {
	// Conn is the wrapped connection or transaction.
	Conn adapter.Conn
	// End is what the caller does last: it commits (commit true) or rolls
	// back its transaction, or for a connection ignores commit, and then
	// closes its handle. RunShared calls it exactly once.
	End func(commit bool) error
}

// RunShared runs the conformance suite of connection sharing. open returns
// a new pool on an empty database for each call, as for [Run]; share
// returns a caller's connection or transaction on that pool's database,
// wrapped as the adapter wraps it. The suite checks what the engine relies
// on: statements run on the caller's handle, inside a caller's transaction
// the caller's commit or rollback decides, a cancelled statement returns in
// time with ctx.Err() and leaves the handle usable or reports
// *adapter.ConnBrokenError, and the migration lock taken on the shared
// handle excludes a second holder until it is unlocked and the caller has
// ended.
func RunShared(t *testing.T, open func(t *testing.T) adapter.Pool, share func(t *testing.T, p adapter.Pool) Shared, opts ...Option) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.slowSQL == "" {
		t.Fatal("adaptertest: SlowStatement option is required")
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tests := []struct {
		name string
		run  func(t *testing.T, p adapter.Pool, s *endOnce, o options)
	}{
		{"RoundTrip", func(t *testing.T, _ adapter.Pool, s *endOnce, _ options) {
			testRoundTrip(t, onePool{s.Conn}, options{})
			testExecScript(t, onePool{s.Conn}, options{})
			testVersionTable(t, onePool{s.Conn}, options{})
		}},
		{"CommitKeeps", func(t *testing.T, p adapter.Pool, s *endOnce, _ options) { testSharedEnd(t, p, s, true) }},
		{"RollbackUndoes", func(t *testing.T, p adapter.Pool, s *endOnce, _ options) { testSharedEnd(t, p, s, false) }},
		{"CancelMidStatement", testSharedCancel},
		{"LockExcludesSecondHolder", testSharedLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := open(t)
			t.Cleanup(func() { _ = p.Close() })
			s := &endOnce{Shared: share(t, p)}
			t.Cleanup(func() { _ = s.end(false) })
			tt.run(t, p, s, o)
		})
	}
}

// endOnce calls Shared.End at most once.
type endOnce struct {
	Shared
	done bool
}

func (s *endOnce) end(commit bool) error {
	if s.done {
		return nil
	}
	s.done = true
	return s.End(commit)
}

// onePool hands out the shared connection, for the tests written for Run.
type onePool struct{ c adapter.Conn }

func (p onePool) Acquire(context.Context) (adapter.Conn, error) { return p.c, nil }
func (p onePool) Dialect() adapter.Dialect                      { return p.c.Dialect() }
func (p onePool) Close() error                                  { return nil }

// testSharedEnd runs the engine's own transaction on the shared handle,
// commits it, and ends the caller's side with commit: inside a caller's
// transaction (InTx) only the caller's commit keeps the table; on a
// caller's connection the engine's commit does.
func testSharedEnd(t *testing.T, p adapter.Pool, s *endOnce, commit bool) {
	d := s.Conn.Dialect()
	tx, err := s.Conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, "CREATE TABLE shared_end (id INTEGER)")
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	inTx := s.Conn.InTx()
	s.Conn.Release() // a caller's handle stays open
	if got := queryStrings(t, s.Conn, "SELECT 'still open'"); len(got) != 1 {
		t.Fatalf("shared handle after Release: %v", got)
	}
	if err := s.end(commit); err != nil {
		t.Fatalf("caller's end: %v", err)
	}
	c := acquire(t, p)
	want := commit || !inTx
	if got := tableExists(t, c, d, adapter.Ident{Name: "shared_end"}); got != want {
		t.Fatalf("InTx %v, caller commit %v: table exists %v, want %v", inTx, commit, got, want)
	}
}

func testSharedCancel(t *testing.T, p adapter.Pool, s *endOnce, o options) {
	runSlow(t, cancelAfter(t, 200*time.Millisecond), s.Conn, o.slowSQL, context.Canceled)
	_, err := s.Conn.Exec(t.Context(), "SELECT 1")
	var broken *adapter.ConnBrokenError
	if err != nil && !errors.As(err, &broken) && !s.Conn.InTx() {
		t.Fatalf("statement after cancel: %v, want success or *adapter.ConnBrokenError", err)
	}
	_ = s.end(false)
	checkUsable(t, p)
}

func testSharedLock(t *testing.T, p adapter.Pool, s *endOnce, _ options) {
	d := s.Conn.Dialect()
	vt := adapter.Ident{Name: "lock_version"}
	unlock, err := d.Lock(t.Context(), s.Conn, vt)
	if err != nil {
		t.Fatalf("lock on the shared handle: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	c2, err := p.Acquire(ctx)
	if err == nil {
		var unlock2 func(context.Context) error
		unlock2, err = d.Lock(ctx, c2, vt)
		if err == nil {
			_ = unlock2(t.Context())
			c2.Release()
			t.Fatal("second Lock succeeded while the shared handle held the lock")
		}
		c2.Release()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second holder: got %v, want context.DeadlineExceeded", err)
	}
	if err := unlock(context.WithoutCancel(t.Context())); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if err := s.end(true); err != nil {
		t.Fatalf("caller's commit: %v", err)
	}
	c3 := acquire(t, p)
	ctx3, cancel3 := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel3()
	unlock3, err := d.Lock(ctx3, c3, vt)
	if err != nil {
		t.Fatalf("lock after the caller ended: %v", err)
	}
	if err := unlock3(t.Context()); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}
