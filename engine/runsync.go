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
	q, err := c.target()
	if err != nil {
		return 0, err
	}
	return q.Exec(c.ctx, sql, args...)
}

func (c *syncConn) Query(sql string, args ...any) (adapter.Rows, error) {
	q, err := c.target()
	if err != nil {
		return nil, err
	}
	return q.Query(c.ctx, sql, args...)
}

func (c *syncConn) Dialect() string {
	if c.conn != nil {
		if d := c.conn.Dialect(); d != nil {
			return d.Name()
		}
	}
	return ""
}

// inTx reports whether the runner holds an open transaction.
func (c *syncConn) inTx() bool { return c.tx != nil }

// begin opens a transaction; Exec and Query then run inside it.
func (c *syncConn) begin() error {
	if c.done {
		return ErrConnDone
	}
	if c.conn == nil {
		return errors.New("begin: connection does not support transactions")
	}
	if c.tx != nil {
		return errors.New("begin: transaction already open")
	}
	tx, err := c.conn.Begin(c.ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	c.tx = tx
	return nil
}

// commit commits the open transaction, if any.
func (c *syncConn) commit() error {
	if c.tx == nil {
		return nil
	}
	if err := c.ctx.Err(); err != nil {
		// Cancelled before COMMIT: RunSync rolls back.
		return err
	}
	tx := c.tx
	c.tx = nil
	// Once sent, a COMMIT is seen through, on a context that a cancel
	// does not end (bounded by cleanupTimeout): a cancel that lands while
	// the server commits would otherwise break the connection and leave the
	// outcome unknown, the run reporting as rolled back what was applied.
	cctx, cancelCommit := context.WithTimeout(context.WithoutCancel(c.ctx), cleanupTimeout)
	defer cancelCommit()
	if err := tx.Commit(cctx); err != nil {
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
