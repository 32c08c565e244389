package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres/pgdialect"
	"github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"
)

// probeTimeout bounds the statement that checks whether a connection
// survived an interrupted statement.
const probeTimeout = 2 * time.Second

// querier is what *sql.Conn and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// conn is an [adapter.Conn] over a *sql.Conn (pooled or a caller's) or a
// caller's *sql.Tx.
type conn struct {
	q      querier
	sc     *sql.Conn // nil for a caller's transaction
	d      Dialect
	pooled bool // taken by Pool.Acquire: Release closes sc
	inTx   bool
	lock   *sqlitedialect.LockState
	// sessionLocks counts session advisory locks held (PostgreSQL); a
	// pooled connection released with one is discarded.
	sessionLocks int
	broken       bool
	released     bool
}

var (
	_ adapter.Conn                 = (*conn)(nil)
	_ adapter.Tx                   = (*tx)(nil)
	_ adapter.Rows                 = (*rows)(nil)
	_ pgdialect.SessionLockCounter = (*conn)(nil)
	_ sqlitedialect.LockHolder     = (*conn)(nil)
)

func newConn(sc *sql.Conn, t *sql.Tx, d Dialect, mem chan struct{}, pooled bool) *conn {
	c := &conn{sc: sc, d: d, pooled: pooled, lock: sqlitedialect.NewLockState(mem)}
	if t != nil {
		c.q, c.inTx = t, true
	} else {
		c.q = sc
	}
	return c
}

// FromConn wraps a caller's connection, for engine.Config.Conn. The engine
// begins and commits its own transactions on it. Release does nothing: the
// caller keeps ownership and closes it. An interrupted statement that left
// the connection unusable returns an error wrapping
// *[adapter.ConnBrokenError]: the caller must then close it.
func FromConn(c *sql.Conn, d Dialect) adapter.Conn {
	return newConn(c, nil, d, nil, false)
}

// FromTx wraps a caller's open transaction, for engine.Config.Conn. InTx
// reports true, so the engine begins, commits and rolls back nothing: the
// caller's Commit or Rollback decides, and the migration lock is
// transaction-scoped where the database has such a lock (PostgreSQL's
// pg_advisory_xact_lock), released by that commit or rollback. Release does
// nothing.
func FromTx(t *sql.Tx, d Dialect) adapter.Conn {
	return newConn(nil, t, d, nil, false)
}

func (c *conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	res, err := c.q.ExecContext(ctx, sql, args...)
	if err != nil {
		return 0, c.wrapErr(ctx, err, c.q)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil // the driver does not count rows
	}
	return n, nil
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	r, err := c.q.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, c.wrapErr(ctx, err, c.q)
	}
	return &rows{r: r, ctx: ctx, c: c, q: c.q}, nil
}

// Begin starts a transaction on the connection; inside a caller's
// transaction it returns one whose Commit and Rollback do nothing. A
// transaction is rolled back by database/sql if ctx ends before Commit.
func (c *conn) Begin(ctx context.Context) (adapter.Tx, error) {
	if c.inTx {
		return &tx{c: c}, nil
	}
	t, err := c.sc.BeginTx(ctx, nil)
	if err != nil {
		return nil, c.wrapErr(ctx, err, c.q)
	}
	return &tx{c: c, t: t}, nil
}

func (c *conn) InTx() bool { return c.inTx }

func (c *conn) Dialect() adapter.Dialect { return c.d }

// Release gives a pooled connection back to the *sql.DB. One that is broken
// or still holds a session advisory lock is discarded instead (the
// server's session end frees the lock). For a caller's connection or
// transaction it only drops a lock file never unlocked.
func (c *conn) Release() {
	if c.released {
		return
	}
	c.released = true
	c.lock.Drop()
	if !c.pooled {
		return
	}
	if c.broken || c.sessionLocks > 0 {
		// database/sql discards a connection whose Raw callback returns
		// driver.ErrBadConn.
		_ = c.sc.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = c.sc.Close()
}

// AddSessionLock implements pgdialect.SessionLockCounter.
func (c *conn) AddSessionLock(delta int) { c.sessionLocks += delta }

// SQLiteLock implements sqlitedialect.LockHolder.
func (c *conn) SQLiteLock() *sqlitedialect.LockState { return c.lock }

// wrapErr makes err wrap ctx.Err() when ctx is done, and
// *adapter.ConnBrokenError when the connection did not survive. q is the
// handle the statement ran on (the connection, or a transaction on it).
func (c *conn) wrapErr(ctx context.Context, err error, q querier) error {
	interrupted := ctx.Err() != nil
	err = wrapCtx(ctx, err)
	if c.broken || errors.Is(err, driver.ErrBadConn) || interrupted && !c.alive(ctx, q) {
		c.broken = true
		var broken *adapter.ConnBrokenError
		if !errors.As(err, &broken) {
			err = &adapter.ConnBrokenError{Err: err}
		}
	}
	return err
}

// alive reports whether the connection survived an interrupted statement:
// through driver.Validator where the driver has it, else with a probe
// statement on q (which fails with driver.ErrBadConn on a closed
// connection). While a transaction is open on the *sql.Conn, only the
// transaction may be used: database/sql would wait for it forever.
func (c *conn) alive(ctx context.Context, q querier) bool {
	if c.sc != nil && q == querier(c.sc) {
		valid, known := true, false
		_ = c.sc.Raw(func(dc any) error {
			if v, ok := dc.(driver.Validator); ok {
				valid, known = v.IsValid(), true
			}
			return nil
		})
		if known {
			return valid
		}
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	_, err := q.ExecContext(pctx, "SELECT 1")
	if errors.Is(err, sql.ErrTxDone) {
		// database/sql rolled the transaction back as its context ended:
		// the connection itself can be asked now. A caller's transaction
		// that ended so is unusable either way.
		if c.sc == nil || q == querier(c.sc) {
			return false
		}
		return c.alive(ctx, c.sc)
	}
	return !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone)
}

// wrapCtx returns err wrapping ctx.Err() when ctx is done.
func wrapCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// tx is an [adapter.Tx]; t is nil inside a caller's transaction.
type tx struct {
	c *conn
	t *sql.Tx
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if t.t == nil {
		return t.c.Exec(ctx, sql, args...)
	}
	res, err := t.t.ExecContext(ctx, sql, args...)
	if err != nil {
		return 0, t.c.wrapErr(ctx, err, t.t)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil
	}
	return n, nil
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	if t.t == nil {
		return t.c.Query(ctx, sql, args...)
	}
	r, err := t.t.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, t.c.wrapErr(ctx, err, t.t)
	}
	return &rows{r: r, ctx: ctx, c: t.c, q: t.t}, nil
}

func (t *tx) Commit(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	if err := t.t.Commit(); err != nil {
		return t.c.wrapErr(ctx, err, t.c.q)
	}
	return nil
}

// Rollback rolls back; a transaction database/sql already rolled back
// (its context ended) is not an error.
func (t *tx) Rollback(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	if err := t.t.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return t.c.wrapErr(ctx, err, t.c.q)
	}
	return nil
}

// rows is an [adapter.Rows] over *sql.Rows.
type rows struct {
	r   *sql.Rows
	ctx context.Context
	c   *conn
	q   querier
}

func (r *rows) Next() bool { return r.r.Next() }

func (r *rows) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); err != nil {
		return r.c.wrapErr(r.ctx, err, r.q)
	}
	return nil
}

func (r *rows) Err() error {
	if err := r.r.Err(); err != nil {
		return r.c.wrapErr(r.ctx, err, r.q)
	}
	return nil
}

func (r *rows) Close() error {
	if err := r.r.Close(); err != nil {
		return r.c.wrapErr(r.ctx, err, r.q)
	}
	return r.Err()
}
