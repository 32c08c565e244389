package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/retort-sql/retort/adapter"
)

// Pool is an [adapter.Pool] over a caller's *sql.DB. It is safe for
// concurrent use. Close does not close the *sql.DB, which stays the
// caller's.
type Pool struct {
	db      *sql.DB
	d       Dialect
	memLock chan struct{} // SQLite's lock of an in-memory database
	closed  atomic.Bool
}

var _ adapter.Pool = (*Pool)(nil)

// Open wraps db, whose driver speaks to the database d describes. The
// engine takes one connection of db (db.Conn) for each call and gives it
// back when the call ends. Open makes no connection.
func Open(db *sql.DB, d Dialect) *Pool {
	return &Pool{db: db, d: d, memLock: make(chan struct{}, 1)}
}

// DB returns the wrapped *sql.DB.
func (p *Pool) DB() *sql.DB { return p.db }

// Acquire takes a connection from the *sql.DB, waiting while ctx allows
// when db.SetMaxOpenConns leaves none free. The caller must Release it.
func (p *Pool) Acquire(ctx context.Context) (adapter.Conn, error) {
	if p.closed.Load() {
		return nil, adapter.ErrClosed
	}
	c, err := p.db.Conn(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrConnDone) || err.Error() == "sql: database is closed" {
			return nil, fmt.Errorf("sqldb: acquire: %w: %w", adapter.ErrClosed, err)
		}
		return nil, fmt.Errorf("sqldb: acquire: %w", wrapCtx(ctx, err))
	}
	return newConn(c, nil, p.d, p.memLock, true), nil
}

// Dialect returns the dialect given to [Open].
func (p *Pool) Dialect() adapter.Dialect { return p.d }

// Close makes Acquire fail with [adapter.ErrClosed]. It leaves the *sql.DB
// open. Close is idempotent.
func (p *Pool) Close() error {
	p.closed.Store(true)
	return nil
}
