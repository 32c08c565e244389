package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql/mysqldialect"
)

// cancelDeadlineDelay is how long a statement may take to stop after its
// KILL QUERY before its connection is closed.
const cancelDeadlineDelay = 500 * time.Millisecond

// killTimeout bounds the KILL QUERY round trip.
const killTimeout = 2 * time.Second

// erQueryInterrupted is MySQL's ER_QUERY_INTERRUPTED, the error of a
// statement stopped by KILL QUERY.
const erQueryInterrupted = 1317

// conn is an [adapter.Conn] over one *sql.Conn.
type conn struct {
	sc     *sql.Conn
	killer *sql.DB
	id     int64 // CONNECTION_ID() of the session
	inTx   bool  // a caller's open transaction (not used by pooled conns)
	tx     *sql.Tx
	// mu orders a KILL QUERY against the end of the statement it targets:
	// a statement does not return while a kill aimed at it is in flight,
	// so no kill reaches the next statement on the session.
	mu     sync.Mutex
	active bool
	broken bool
	// sessionLocks counts GET_LOCK locks taken through Lock and not yet
	// released; a connection released while it holds one is closed.
	sessionLocks int
	dirty        bool // a USE changed the session's database
	released     bool
}

func (c *conn) loadID(ctx context.Context) error {
	return c.sc.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&c.id)
}

// querier is what *sql.Conn and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (c *conn) q() querier {
	if c.tx != nil {
		return c.tx
	}
	return c.sc
}

// watch arranges for the statement about to run to be killed on the server
// when ctx ends. It returns the context to give the driver (it ends only
// when a killed statement overstays cancelDeadlineDelay, which makes the
// driver close the connection) and a function to call once the statement
// is over, which reports whether a KILL QUERY was sent for it.
func (c *conn) watch(ctx context.Context) (context.Context, func() bool) {
	dctx, dcancel := context.WithCancel(context.WithoutCancel(ctx))
	c.mu.Lock()
	c.active = true
	c.mu.Unlock()
	var timer *time.Timer
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.active {
			return
		}
		timer = time.AfterFunc(cancelDeadlineDelay, dcancel)
		c.kill()
	})
	return dctx, func() bool {
		stop()
		c.mu.Lock()
		c.active = false
		killed := timer != nil
		if killed {
			timer.Stop()
		}
		c.mu.Unlock()
		dcancel()
		return killed
	}
}

// interrupted returns the error of a statement killed because ctx ended.
// A killed SLEEP() returns 1 without an error, and a statement may have
// finished as the kill arrived: either way its result cannot be trusted.
func interrupted(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: statement interrupted with KILL QUERY", context.Cause(ctx))
}

// kill sends KILL QUERY for the session from a separate connection. It is
// called with c.mu held.
func (c *conn) kill() {
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	// An error (say, the statement ended in between) leaves the deadline
	// timer to close the connection if the statement goes on.
	_, _ = c.killer.ExecContext(ctx, "KILL QUERY "+strconv.FormatInt(c.id, 10))
}

func (c *conn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if mysqldialect.ChangesDatabase(query) {
		c.dirty = true
	}
	dctx, done := c.watch(ctx)
	res, err := c.q().ExecContext(dctx, query, args...)
	if done() {
		err = interrupted(ctx, err)
	}
	if err != nil {
		return 0, c.wrapErr(ctx, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, nil
	}
	return n, nil
}

func (c *conn) Query(ctx context.Context, query string, args ...any) (adapter.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dctx, done := c.watch(ctx)
	r, err := c.q().QueryContext(dctx, query, args...)
	if err != nil {
		if done() {
			err = interrupted(ctx, err)
		}
		return nil, c.wrapErr(ctx, err)
	}
	return &rows{r: r, ctx: ctx, c: c, done: done}, nil
}

func (c *conn) Begin(ctx context.Context) (adapter.Tx, error) {
	if c.inTx {
		return &tx{c: c}, nil
	}
	if c.tx != nil {
		return nil, errors.New("mysql: begin: a transaction is already open on the connection")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The transaction is not bound to ctx: database/sql would roll it back
	// behind the engine's back when ctx ends. Cancellation goes through
	// KILL QUERY like every statement's.
	t, err := c.sc.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return nil, c.wrapErr(ctx, err)
	}
	c.tx = t
	return &tx{c: c, t: t}, nil
}

func (c *conn) InTx() bool { return c.inTx }

func (c *conn) Dialect() adapter.Dialect { return Dialect{} }

// Release returns the connection to its pool. An open transaction is
// rolled back; a connection that is broken, still holds a GET_LOCK lock or
// had its database changed by USE is closed instead, which ends its
// session on the server.
func (c *conn) Release() {
	if c.released {
		return
	}
	c.released = true
	if c.tx != nil {
		_ = c.tx.Rollback()
		c.tx = nil
	}
	if c.sessionLocks > 0 || c.broken || c.dirty {
		// Returning driver.ErrBadConn makes database/sql discard the
		// driver connection instead of pooling it.
		_ = c.sc.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = c.sc.Close()
}

// wrapErr makes err report the context's error when ctx is done, and a
// broken connection when the driver gave the connection up.
func (c *conn) wrapErr(ctx context.Context, err error) error {
	err = wrapCtx(ctx, err)
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) {
		c.broken = true
		var broken *adapter.ConnBrokenError
		if !errors.As(err, &broken) {
			err = &adapter.ConnBrokenError{Err: err}
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

// Interrupted reports whether err is MySQL's "query execution was
// interrupted", the error of a statement stopped by KILL QUERY.
func Interrupted(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == erQueryInterrupted
}

// tx is an [adapter.Tx]; t is nil inside a caller's transaction, where
// Commit and Rollback do nothing.
type tx struct {
	c *conn
	t *sql.Tx
}

func (t *tx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	return t.c.Exec(ctx, query, args...)
}

func (t *tx) Query(ctx context.Context, query string, args ...any) (adapter.Rows, error) {
	return t.c.Query(ctx, query, args...)
}

func (t *tx) Commit(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	if t.c.tx == t.t {
		t.c.tx = nil
	}
	if err := t.t.Commit(); err != nil {
		return t.c.wrapErr(ctx, err)
	}
	return nil
}

func (t *tx) Rollback(ctx context.Context) error {
	if t.t == nil {
		return nil
	}
	if t.c.tx == t.t {
		t.c.tx = nil
	}
	err := t.t.Rollback()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return t.c.wrapErr(ctx, err)
	}
	return nil
}

// rows is an [adapter.Rows] over *sql.Rows. Scanning into *any yields
// int64 for integer columns, float64 for floating-point ones and string
// for the rest, where the text protocol would give []byte.
type rows struct {
	r      *sql.Rows
	ctx    context.Context
	c      *conn
	done   func() bool
	closed bool
	killed error // set by Close when the query was killed
	types  []*sql.ColumnType
}

func (r *rows) Next() bool { return r.r.Next() }

func (r *rows) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); err != nil {
		return r.c.wrapErr(r.ctx, err)
	}
	for i, d := range dest {
		p, ok := d.(*any)
		if !ok {
			continue
		}
		b, ok := (*p).([]byte)
		if !ok {
			continue
		}
		*p = r.convert(i, b)
	}
	return nil
}

func (r *rows) convert(i int, b []byte) any {
	if r.types == nil {
		r.types, _ = r.r.ColumnTypes()
	}
	if i < len(r.types) {
		switch r.types[i].DatabaseTypeName() {
		case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "YEAR",
			"UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
			if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
				return n
			}
		case "FLOAT", "DOUBLE":
			if f, err := strconv.ParseFloat(string(b), 64); err == nil {
				return f
			}
		}
	}
	return string(b)
}

func (r *rows) Err() error {
	if err := r.r.Err(); err != nil {
		return r.c.wrapErr(r.ctx, err)
	}
	return r.killed
}

func (r *rows) Close() error {
	if !r.closed {
		r.closed = true
		err := r.r.Close()
		if r.done() && err == nil && r.r.Err() == nil {
			r.killed = interrupted(r.ctx, nil)
		}
		if err != nil {
			return r.c.wrapErr(r.ctx, err)
		}
	}
	return r.Err()
}
