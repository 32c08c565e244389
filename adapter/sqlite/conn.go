package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"
)

// conn is an [adapter.Conn] over one SQLite connection.
type conn struct {
	c        *sqlite3.Conn
	pool     *Pool // nil for a caller's connection
	inTx     bool  // a caller's open transaction
	released bool
	// lock is the migration lock held through Dialect.Lock, if any;
	// Release drops it when unlock was never called.
	lock *sqlitedialect.LockState
	// cache holds, on a pooled connection, the prepared statements of Exec
	// calls with arguments (the engine's bookkeeping: the same few
	// statements once per revision) and of BEGIN and COMMIT, so that each
	// is compiled once per acquisition. Release finalises them all; a
	// caller's connection, which is never released, caches nothing.
	cache map[string]*sqlite3.Stmt
}

// maxCached bounds the statements a connection keeps prepared.
const maxCached = 32

// FromConn wraps a caller's connection. When it is inside a transaction
// (c.GetAutocommit reports false), InTx reports true and Begin returns a
// transaction whose Commit and Rollback do nothing. Release does nothing.
func FromConn(c *sqlite3.Conn) adapter.Conn {
	return &conn{c: c, inTx: !c.GetAutocommit(), lock: sqlitedialect.NewLockState(nil)}
}

// bind makes ctx interrupt the connection until the returned function is
// called.
func (c *conn) bind(ctx context.Context) func() {
	old := c.c.SetInterrupt(ctx)
	return func() { c.c.SetInterrupt(old) }
}

func (c *conn) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	restore := c.bind(ctx)
	defer restore()
	before := c.c.TotalChanges()
	if len(args) == 0 {
		if err := c.c.Exec(sql); err != nil {
			return 0, wrapCtx(ctx, storageError(err))
		}
		return c.c.TotalChanges() - before, nil
	}
	if err := c.execCached(sql, args); err != nil {
		return 0, wrapCtx(ctx, storageError(err))
	}
	return c.c.TotalChanges() - before, nil
}

// execCached runs one statement through the statement cache: prepared on
// first use, reset after each. Past maxCached statements it prepares and
// finalises as usual.
func (c *conn) execCached(sql string, args []any) error {
	stmt := c.cache[sql]
	if stmt == nil {
		var err error
		if stmt, err = c.compile(sql); err != nil {
			return err
		}
		if c.pool == nil || c.released || len(c.cache) >= maxCached {
			defer stmt.Close()
		} else {
			if c.cache == nil {
				c.cache = map[string]*sqlite3.Stmt{}
			}
			c.cache[sql] = stmt
		}
	}
	if err := bindArgs(stmt, args); err != nil {
		return err
	}
	err := stmt.Exec()
	// Reset at once so that a finished statement holds nothing (a read
	// transaction would keep WAL checkpoints from completing); its error
	// is the Exec's, already reported.
	_ = stmt.Reset()
	_ = stmt.ClearBindings()
	return err
}

// closeCache finalises the cached statements.
func (c *conn) closeCache() {
	for _, s := range c.cache {
		_ = s.Close()
	}
	c.cache = nil
}

// execTx runs a transaction-control statement through the cache.
func (c *conn) execTx(ctx context.Context, sql string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	restore := c.bind(ctx)
	defer restore()
	if err := c.execCached(sql, nil); err != nil {
		return wrapCtx(ctx, storageError(err))
	}
	return nil
}

// prepare compiles the one statement in sql and binds args to it.
func (c *conn) prepare(sql string, args []any) (*sqlite3.Stmt, error) {
	stmt, err := c.compile(sql)
	if err != nil {
		return nil, err
	}
	if err := bindArgs(stmt, args); err != nil {
		stmt.Close()
		return nil, err
	}
	return stmt, nil
}

// compile compiles the one statement in sql.
func (c *conn) compile(sql string) (*sqlite3.Stmt, error) {
	stmt, tail, err := c.c.Prepare(sql)
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return nil, errors.New("sqlite: no statement in query")
	}
	if strings.TrimSpace(tail) != "" {
		stmt.Close()
		return nil, errors.New("sqlite: query with parameters or rows must be a single statement")
	}
	return stmt, nil
}

func (c *conn) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	restore := c.bind(ctx)
	stmt, err := c.prepare(sql, args)
	if err != nil {
		restore()
		return nil, wrapCtx(ctx, err)
	}
	return &rows{stmt: stmt, ctx: ctx, restore: restore}, nil
}

func (c *conn) Begin(ctx context.Context) (adapter.Tx, error) {
	if c.inTx {
		return &tx{c: c, shared: true}, nil
	}
	if err := c.execTx(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return &tx{c: c}, nil
}

func (c *conn) InTx() bool { return c.inTx }

func (c *conn) Dialect() adapter.Dialect { return Dialect{} }

// Release gives a pooled connection back. A transaction left open is rolled
// back (an in-memory database must survive, so the connection is kept when
// the rollback works) and a lock left held is dropped; a connection that
// cannot be cleaned is closed and its slot freed. For a caller's connection
// it does nothing.
func (c *conn) Release() {
	if c.released {
		return
	}
	c.released = true
	c.dropLocks()
	c.closeCache()
	if c.pool == nil {
		return
	}
	c.c.SetInterrupt(context.Background())
	for s := range c.c.Stmts() {
		s.Close()
	}
	if !c.c.GetAutocommit() {
		if err := c.c.Exec("ROLLBACK"); err != nil || !c.c.GetAutocommit() {
			c.c.Close()
			c.pool.put(nil)
			return
		}
	}
	c.pool.put(c.c)
}

// dropLocks releases a lock taken through Dialect.Lock and never unlocked.
func (c *conn) dropLocks() { c.lock.Drop() }

// SQLiteLock implements [sqlitedialect.LockHolder].
func (c *conn) SQLiteLock() *sqlitedialect.LockState { return c.lock }

// wrapCtx returns err wrapping ctx.Err() when ctx is done (an interrupted
// statement reports SQLITE_INTERRUPT).
func wrapCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %w", err, cerr)
	}
	return err
}

// tx is an [adapter.Tx]. Inside a caller's transaction (shared) Commit and
// Rollback do nothing.
type tx struct {
	c      *conn
	shared bool
}

func (t *tx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t *tx) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t *tx) Commit(ctx context.Context) error {
	if t.shared {
		return nil
	}
	if err := t.c.execTx(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Rollback rolls back. SQLite may already have rolled back on its own (an
// interrupted write does so); that is not an error.
func (t *tx) Rollback(ctx context.Context) error {
	if t.shared || t.c.c.GetAutocommit() {
		return nil
	}
	if _, err := t.c.Exec(ctx, "ROLLBACK"); err != nil {
		return fmt.Errorf("sqlite: rollback: %w", err)
	}
	return nil
}
