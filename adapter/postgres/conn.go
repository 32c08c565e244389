package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter"
)

// pgxQuerier is what *pgxpool.Conn, *pgx.Conn and pgx.Tx have in common.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

// conn is an [adapter.Conn]: a pooled connection, or a caller's connection
// or transaction.
type conn struct {
	q      pgxQuerier
	raw    *pgx.Conn
	pooled *pgxpool.Conn // nil for a caller's connection or transaction
	inTx   bool          // a caller's open transaction
	// sessionLocks counts session advisory locks taken through Lock and not
	// yet unlocked; a pooled connection that still holds one is destroyed on
	// Release rather than handed to the next user with the lock.
	sessionLocks int
	released     bool
}

// FromConn wraps a caller's connection. Release does nothing: the caller
// keeps ownership. If a cancelled statement closes the connection, the error
// wraps *[adapter.ConnBrokenError].
func FromConn(c *pgx.Conn) adapter.Conn {
	return &conn{q: c, raw: c}
}

// FromTx wraps a caller's open transaction. InTx reports true; Begin returns
// a transaction whose Commit and Rollback do nothing, so that the caller's
// own commit or rollback decides. Release does nothing.
func FromTx(t pgx.Tx) adapter.Conn {
	return &conn{q: t, raw: t.Conn(), inTx: true}
}

func (c *conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, c.wrapErr(ctx, err)
	}
	return tag.RowsAffected(), nil
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	r, err := c.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, c.wrapErr(ctx, err)
	}
	return &rows{r: r, ctx: ctx, c: c}, nil
}

func (c *conn) Begin(ctx context.Context) (adapter.Tx, error) {
	if c.inTx {
		return &tx{c: c}, nil
	}
	t, err := c.q.Begin(ctx)
	if err != nil {
		return nil, c.wrapErr(ctx, err)
	}
	return &tx{c: c, t: t}, nil
}

func (c *conn) InTx() bool { return c.inTx }

func (c *conn) Dialect() adapter.Dialect { return Dialect{} }

// Release returns a pooled connection to its pool. A connection that is
// closed, busy, inside a transaction or still holding a session advisory
// lock is destroyed instead (the server's session end rolls back and frees
// the lock). For a caller's connection or transaction it does nothing.
func (c *conn) Release() {
	if c.released || c.pooled == nil {
		c.released = true
		return
	}
	c.released = true
	if c.sessionLocks > 0 && !c.raw.IsClosed() {
		raw := c.pooled.Hijack()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = raw.Close(ctx)
		return
	}
	// pgxpool destroys a closed, busy or in-transaction connection itself.
	c.pooled.Release()
}

// wrapErr makes err report the context's error when ctx is done, and a
// broken connection when the statement's interruption closed it.
func (c *conn) wrapErr(ctx context.Context, err error) error {
	err = wrapCtx(ctx, err)
	if c.raw != nil && c.raw.IsClosed() {
		var broken *adapter.ConnBrokenError
		if !errors.As(err, &broken) {
			err = &adapter.ConnBrokenError{Interrupted: ctx.Err() != nil, Err: err}
		}
	}
	return err
}

// wrapCtx returns err wrapping ctx.Err() when ctx is done.
func wrapCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", cerr, err)
	}
	return err
}

// tx is an [adapter.Tx]; t is nil inside a caller's transaction, where
// Commit and Rollback do nothing.
type tx struct {
	c *conn
	t pgx.Tx
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t *tx) Commit(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	if err := t.t.Commit(ctx); err != nil {
		return t.c.wrapErr(ctx, err)
	}
	return nil
}

func (t *tx) Rollback(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	err := t.t.Rollback(ctx)
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return t.c.wrapErr(ctx, err)
	}
	return nil
}

// rows is an [adapter.Rows] over pgx.Rows.
type rows struct {
	r   pgx.Rows
	ctx context.Context
	c   *conn
}

func (r *rows) Next() bool { return r.r.Next() }

func (r *rows) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); err != nil {
		return r.c.wrapErr(r.ctx, err)
	}
	return nil
}

func (r *rows) Err() error {
	if err := r.r.Err(); err != nil {
		return r.c.wrapErr(r.ctx, err)
	}
	return nil
}

func (r *rows) Close() error {
	r.r.Close()
	return r.Err()
}
