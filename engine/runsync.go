package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/retort-sql/retort/adapter"
)

// Conn is the synchronous connection given to the runner and to Go
// revisions, the counterpart of the connection Alembic's run_sync hands to
// its synchronous migration code. It carries the ctx passed to [RunSync]:
// Exec and Query take no context argument, and a cancel or deadline still
// interrupts the statement in flight.
//
// A Conn is valid only until the function given to RunSync returns;
// afterwards every call fails with [ErrConnDone]. It must not be shared
// between goroutines.
type Conn interface {
	// Exec runs one statement and reports the rows it affected.
	Exec(sql string, args ...any) (int64, error)
	// Query runs one statement that returns rows. Close the rows before
	// the next statement.
	Query(sql string, args ...any) (adapter.Rows, error)
	// Dialect is "postgres" or "sqlite" ("" when the connection does not
	// say).
	Dialect() string
}

// cleanupTimeout bounds a rollback or unlock that runs after the caller's
// ctx is done.
const cleanupTimeout = 10 * time.Second

// RunSync runs fn on the calling goroutine with a [Conn] bound to ctx over q,
// the way Alembic's connection.run_sync hands an async connection to
// synchronous migration code.
//
//   - fn is not called if ctx is already done;
//   - every Exec and Query made through the Conn passes ctx to q, so a
//     cancel or deadline interrupts the statement in flight;
//   - after fn returns, the Conn is dead (ErrConnDone), as with
//     database/sql's Conn.Raw;
//   - if ctx is done when fn returns an error, errors.Is(err, ctx.Err())
//     holds even when the driver reported something else;
//   - a transaction begun through the Conn by the engine's runner and still
//     open when fn returns is rolled back on a context that is not
//     cancelled;
//   - q is not released: whoever acquired it releases it.
//
// RunSync starts no goroutine.
func RunSync(ctx context.Context, q adapter.Querier, fn func(Conn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &syncConn{ctx: ctx, q: q}
	if ac, ok := q.(adapter.Conn); ok {
		c.conn = ac
	}
	err := func() (err error) {
		defer func() {
			// Statements queued and never sent are dropped: nothing of
			// them ran.
			c.pipe, c.deferred = nil, nil
			if c.tx != nil {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
				if rerr := c.tx.Rollback(rctx); rerr != nil && err == nil {
					err = fmt.Errorf("rollback: %w", rerr)
				}
				cancel()
				c.tx = nil
			}
			c.done = true
		}()
		return fn(c)
	}()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
	}
	return err
}

// syncConn implements Conn. The runner reaches transactions through its
// unexported methods; the public Conn stays small.
type syncConn struct {
	ctx  context.Context
	q    adapter.Querier
	conn adapter.Conn // q as a Conn, when it is one
	tx   adapter.Tx   // the runner's open transaction, if any
	done bool

	// pipe holds, after beginQueued, the statements of a transaction not
	// yet begun: sync sends BEGIN and them in one batch.
	pipe *pipeline
	// deferred holds statements of the open batch transaction that need
	// no check: they go with its COMMIT.
	deferred []queued
}

// queued is a statement the runner issued but the server has not run yet,
// with what to do with its outcome.
type queued struct {
	stmt adapter.Statement
	// check, if set, judges the rows affected; its error fails the run.
	check func(n int64) error
	// wrap turns the statement's error into the run's error.
	wrap func(error) error
}

type pipeline struct {
	batcher   adapter.Batcher
	beginWrap func(error) error
	stmts     []queued
}

func (c *syncConn) target() (adapter.Querier, error) {
	if c.done {
		return nil, ErrConnDone
	}
	if c.tx != nil {
		return c.tx, nil
	}
	return c.q, nil
}

func (c *syncConn) Exec(sql string, args ...any) (int64, error) {
	if err := c.drain(); err != nil {
		return 0, err
	}
	q, err := c.target()
	if err != nil {
		return 0, err
	}
	return q.Exec(c.ctx, sql, args...)
}

func (c *syncConn) Query(sql string, args ...any) (adapter.Rows, error) {
	if err := c.drain(); err != nil {
		return nil, err
	}
	q, err := c.target()
	if err != nil {
		return nil, err
	}
	return q.Query(c.ctx, sql, args...)
}

// beginQueued is begin for a transaction whose statements may travel
// together: when the connection batches (adapter.Batcher), nothing is sent
// until sync, which sends BEGIN and the statements queued since in one
// round trip; beginWrap turns a failure of the BEGIN itself into the run's
// error. Otherwise it is begin.
func (c *syncConn) beginQueued(beginWrap func(error) error) error {
	b, ok := c.q.(adapter.Batcher)
	if !ok || c.done || c.tx != nil || c.pipe != nil {
		if err := c.begin(); err != nil {
			return beginWrap(err)
		}
		return nil
	}
	c.pipe = &pipeline{batcher: b, beginWrap: beginWrap}
	return nil
}

// queue issues one statement of the runner's. It runs at once, unless a
// batch is being gathered (beginQueued) or, for a statement without a
// check, the open transaction can take it with its COMMIT
// (adapter.BatchTx). Either way check and wrap see its outcome, before the
// transaction commits; the error returned is theirs.
func (c *syncConn) queue(q queued) error {
	switch {
	case c.pipe != nil:
		c.pipe.stmts = append(c.pipe.stmts, q)
		return nil
	case q.check == nil && c.tx != nil && len(c.deferred) < maxDeferred:
		if _, ok := c.tx.(adapter.BatchTx); ok {
			c.deferred = append(c.deferred, q)
			return nil
		}
	}
	return c.run(q)
}

// maxDeferred bounds the statements held back for a COMMIT.
const maxDeferred = 64

// run executes q now.
func (c *syncConn) run(q queued) error {
	t, err := c.target()
	if err != nil {
		return err
	}
	n, err := t.Exec(c.ctx, q.stmt.SQL, q.stmt.Args...)
	if err != nil {
		return q.wrap(err)
	}
	if q.check != nil {
		return q.check(n)
	}
	return nil
}

// sync sends the batch gathered since beginQueued, if any: BEGIN and the
// queued statements in one round trip, then each statement's check in
// order. On a failure the batch's transaction is gone (the adapter rolled
// it back) or, for a failed check, still open for the caller's rollback.
func (c *syncConn) sync() error {
	p := c.pipe
	if p == nil {
		return nil
	}
	c.pipe = nil
	if c.done {
		return ErrConnDone
	}
	stmts := make([]adapter.Statement, len(p.stmts))
	for i, q := range p.stmts {
		stmts[i] = q.stmt
	}
	tx, affected, ok, err := p.batcher.BeginBatch(c.ctx, stmts)
	if !ok && err == nil {
		// The connection cannot batch now: one statement at a time.
		if err := c.begin(); err != nil {
			return p.beginWrap(err)
		}
		for _, q := range p.stmts {
			if err := c.run(q); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		var be *adapter.BatchError
		if errors.As(err, &be) && be.Index >= 0 && be.Index < len(p.stmts) {
			return p.stmts[be.Index].wrap(be.Err)
		}
		if be != nil {
			err = be.Err
		}
		return p.beginWrap(fmt.Errorf("begin: %w", err))
	}
	c.tx = tx
	for i, q := range p.stmts {
		if q.check != nil {
			if err := q.check(affected[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// drain sends whatever is queued, so that a statement issued directly
// runs after the ones issued before it.
func (c *syncConn) drain() error {
	if err := c.sync(); err != nil {
		return err
	}
	for len(c.deferred) > 0 {
		q := c.deferred[0]
		c.deferred = c.deferred[1:]
		if err := c.run(q); err != nil {
			return err
		}
	}
	return nil
}

func (c *syncConn) Dialect() string {
	if c.conn != nil {
		if d := c.conn.Dialect(); d != nil {
			return d.Name()
		}
	}
	return ""
}

// inTx reports whether the runner holds an open transaction (one whose
// BEGIN is still queued included).
func (c *syncConn) inTx() bool { return c.tx != nil || c.pipe != nil }

// begin opens a transaction; Exec and Query then run inside it.
func (c *syncConn) begin() error {
	if c.done {
		return ErrConnDone
	}
	if c.conn == nil {
		return errors.New("begin: connection does not support transactions")
	}
	if c.tx != nil || c.pipe != nil {
		return errors.New("begin: transaction already open")
	}
	tx, err := c.conn.Begin(c.ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	c.tx = tx
	return nil
}

// commit commits the open transaction, if any, after sending what is
// queued; statements deferred to the COMMIT travel with it. A queued
// statement's failure is returned as its wrap made it.
func (c *syncConn) commit() error {
	if err := c.sync(); err != nil {
		return err
	}
	if c.tx == nil {
		return nil
	}
	tx := c.tx
	if bt, ok := tx.(adapter.BatchTx); ok && len(c.deferred) > 0 {
		d := c.deferred
		c.tx, c.deferred = nil, nil
		stmts := make([]adapter.Statement, len(d))
		for i, q := range d {
			stmts[i] = q.stmt
		}
		err := bt.CommitBatch(c.ctx, stmts)
		var be *adapter.BatchError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &be) && be.Index >= 0 && be.Index < len(d):
			return d[be.Index].wrap(be.Err)
		case be != nil:
			return fmt.Errorf("commit: %w", be.Err)
		}
		return fmt.Errorf("commit: %w", err)
	}
	if err := c.drain(); err != nil {
		return err
	}
	c.tx = nil
	if err := tx.Commit(c.ctx); err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), cleanupTimeout)
		_ = tx.Rollback(rctx)
		cancel()
		return err
	}
	return nil
}

// querier exposes the Conn as an adapter.Querier bound to its ctx, for
// helpers shared with code that holds a plain connection.
func (c *syncConn) querier() adapter.Querier { return boundQuerier{c} }

type boundQuerier struct{ c *syncConn }

func (b boundQuerier) Exec(_ context.Context, sql string, args ...any) (int64, error) {
	return b.c.Exec(sql, args...)
}

func (b boundQuerier) Query(_ context.Context, sql string, args ...any) (adapter.Rows, error) {
	return b.c.Query(sql, args...)
}
