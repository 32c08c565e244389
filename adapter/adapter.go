// Package adapter is the small service-provider interface between the
// migration engine and a database driver, in the spirit of database/sql/driver.
//
// Every method that may block or do I/O takes a context.Context first. The
// engine never sees a driver type: it works through [Pool], [Conn], [Tx] and
// [Querier], and asks the [Dialect] for every piece of SQL it issues itself, so
// that offline mode can print exactly what online mode would run.
//
// Implementations live in sub-packages (adapter/postgres, adapter/sqlite) and
// in the engine's offline recorder. The package imports only the standard
// library.
package adapter

import (
	"context"
	"errors"
	"time"
)

// Querier is the shape shared by a connection and a transaction.
type Querier interface {
	// Exec runs one statement and reports the rows it affected (0 where the
	// database does not say).
	Exec(ctx context.Context, sql string, args ...any) (rowsAffected int64, err error)
	// Query runs one statement that returns rows. The caller must Close the
	// Rows before issuing another statement on the same connection.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// Conn is one connection taken from a [Pool], or a caller's own connection or
// transaction (connection sharing). A Conn is not safe for concurrent use.
type Conn interface {
	Querier
	// Begin starts a transaction on the connection. Inside a caller's
	// transaction (InTx reports true) it returns a savepoint-free Tx whose
	// Commit and Rollback do nothing, so that the caller's commit or rollback
	// decides.
	Begin(ctx context.Context) (Tx, error)
	// InTx reports whether the connection is a caller's open transaction: the
	// engine then must not BEGIN, COMMIT or ROLLBACK itself.
	InTx() bool
	// Dialect describes the database behind the connection.
	Dialect() Dialect
	// Locker returns the lock that serialises migration runs on this
	// connection's database (a PostgreSQL advisory lock, a SQLite lock
	// file, a MySQL named lock); nil when the connection cannot take one
	// (the offline recorder). Locking belongs to the connection side, not
	// to the pure [Dialect].
	Locker() Locker
	// Release gives the connection back to its pool. It is idempotent. A
	// connection broken by a cancelled statement is destroyed rather than
	// reused. Releasing a caller's shared connection does nothing.
	Release()
}

// Tx is a transaction on a [Conn].
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Rows iterates over the result of [Querier.Query].
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Pool hands out connections.
type Pool interface {
	// Acquire returns a connection, waiting for a free one while ctx allows.
	Acquire(ctx context.Context) (Conn, error)
	// Dialect describes the database behind the pool.
	Dialect() Dialect
	// Close releases every connection. Acquire fails afterwards.
	Close() error
}

// Ident is a possibly schema-qualified table name.
type Ident struct {
	Schema string // empty: the connection's default (search_path, main)
	Name   string
}

// String returns the name as written by the user: schema.name or name.
func (i Ident) String() string {
	if i.Schema == "" {
		return i.Name
	}
	return i.Schema + "." + i.Name
}

// Dialect holds the facts about one database that the engine needs: SQL
// text, identifier rules and capabilities. It is pure (no I/O, no state),
// so offline mode renders with it exactly what online mode runs. Methods
// that return SQL return text with positional parameters in the database's
// own style ([Dialect.Placeholder]: $1 for PostgreSQL, ? for SQLite). The
// engine builds no SQL of its own beyond plain INSERT and UPDATE statements
// made of QuoteIdent and Placeholder.
type Dialect interface {
	// Name is "postgres" or "sqlite".
	Name() string
	// QuoteIdent quotes a table name for use in SQL.
	QuoteIdent(t Ident) string
	// ValidateIdent rejects a table name the database cannot hold as
	// given (too long, a NUL byte), before any SQL is built from it.
	ValidateIdent(t Ident) error
	// Placeholder returns the n-th (1-based) positional parameter.
	Placeholder(n int) string
	// TransactionalDDL reports whether DDL statements roll back with their
	// transaction. Where they do not, a whole-run transaction cannot
	// promise a rollback; the engine reports it through
	// engine.Engine.TransactionalDDL.
	TransactionalDDL() bool
	// CreateVersionTable returns the statements that create the version table
	// when it does not exist (schema included, where there is one).
	CreateVersionTable(t Ident) []string
	// VersionTableExists returns a query with no parameters that yields one
	// row with one boolean-ish column (true/1 when the table exists). The
	// engine asks it about the history table too.
	VersionTableExists(t Ident) string
	// SelectHeads returns a query that yields the version_num column of every
	// row of the version table.
	SelectHeads(t Ident) string
	// InsertHead returns an INSERT with one parameter, the revision.
	InsertHead(t Ident) string
	// DeleteHead returns a DELETE with one parameter, the revision.
	DeleteHead(t Ident) string
	// UpdateHead returns an UPDATE with two parameters: the new revision
	// and the old one.
	UpdateHead(t Ident) string
	// DeleteAllHeads returns a DELETE of every version row (stamp with
	// purge).
	DeleteAllHeads(t Ident) string
	// CreateHistoryTable returns a CREATE TABLE IF NOT EXISTS for the
	// history table t, with the columns id (an increasing key), revision,
	// direction, status (VARCHAR), checksum (VARCHAR, default ''),
	// statements_done, statements_total (INTEGER, default 0), started_at (a
	// timestamp), duration_ms (BIGINT, default 0), db_user (default: the
	// session's user where the database knows one, else ''), client_host
	// (default ''), application (default: the session's application name,
	// else '') and tool_version (default '').
	CreateHistoryTable(t Ident) string
	// SelectHistory returns a SELECT, with no parameters and no WHERE or
	// ORDER BY clause, of the history table's columns revision, direction,
	// status, checksum, statements_done, statements_total, started_at as
	// RFC 3339 text in UTC, duration_ms, db_user, client_host, application
	// and tool_version.
	SelectHistory(t Ident) string
	// HistoryNow returns an SQL expression for the session's current time,
	// of the form the history table's started_at stores (offline scripts
	// record when they are applied, not when they were generated).
	HistoryNow() string
	// Literal renders a string as a SQL literal, for offline scripts.
	Literal(s string) string
}

// IdentValidator checks a table name before any SQL is built from it (the
// PostgreSQL dialect rejects empty names, NUL bytes and names longer than 63
// bytes, which the server would otherwise truncate silently). Every
// [Dialect] is one. [Dialect.QuoteIdent] quotes whatever it is given;
// callers that take names from users validate them first.
type IdentValidator interface {
	ValidateIdent(t Ident) error
}

// Locker serialises migration runs on the same version table across
// processes. Lock blocks until the lock is held or ctx is done (waiting
// through [PollLock] where the lock is taken by trying again); the engine
// calls unlock exactly once, on a context that is not cancelled. Inside a
// caller's transaction an implementation takes a transaction-scoped lock
// where the database has one, which the caller's commit or rollback
// releases. Every connection provides its database's Locker
// ([Conn.Locker]); other implementations, such as a lease table for
// PostgreSQL behind PgBouncer's transaction pooling, replace it through the
// engine's configuration.
type Locker interface {
	Lock(ctx context.Context, c Conn, t Ident) (unlock func(context.Context) error, err error)
}

// ErrLockLost is wrapped by the error of an unlock (or a run) whose
// migration lock ended while it was held, such as a lease that expired or
// was taken over: another run may have overlapped this one. A run that
// finds it lost in a transaction's [Fence] rolls that transaction back and
// commits nothing more.
var ErrLockLost = errors.New("migration lock lost")

// Fence checks, inside the transaction q, that the lock it belongs to is
// still held, and keeps it held until that transaction ends. A caller
// commits a transaction that writes version rows only after its Fence
// succeeded in that same transaction; an error wraps [ErrLockLost] when the
// lock is gone, and the caller then rolls back.
type Fence func(ctx context.Context, q Querier) error

// FencingLocker is a [Locker] whose hold can end while its holder still
// runs: a lease that expires when its holder stalls longer than the lease.
// LockFenced is Lock that also returns the [Fence] of the acquisition, valid
// until unlock is called. Locks that end only with their session (advisory
// locks, lock files) need no fence: the transaction ends with the session.
type FencingLocker interface {
	Locker
	LockFenced(ctx context.Context, c Conn, t Ident) (unlock func(context.Context) error, fence Fence, err error)
}

// LockWaitError reports that the migration lock was not obtained before
// the caller's context ended: another run held it all along. Err is
// ctx.Err(), so errors.Is(err, context.DeadlineExceeded) holds for a
// timeout.
type LockWaitError struct {
	Kind   string        // the lock: "lock" (advisory lock or lock file), "lease lock"
	Table  string        // the version table (schema-qualified where known)
	Waited time.Duration // how long the caller waited
	On     string        // what was waited on when it is not the table (a lock file); may be empty
	Err    error
}

func (e *LockWaitError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "lock"
	}
	s := kind + " " + e.Table + ": waited " + e.Waited.Round(time.Millisecond).String()
	if e.On != "" {
		s += " for " + e.On
	}
	return s + ": " + e.Err.Error()
}

func (e *LockWaitError) Unwrap() error { return e.Err }

// ErrClosed is returned by Acquire after Close.
var ErrClosed = errors.New("adapter: pool closed")

// ConnBrokenError reports that a connection became unusable during a
// statement: either the statement was interrupted (pgx closes a connection
// whose statement was cancelled) or the database server closed the
// connection (a restart, a killed session, a network failure). The
// connection has been, or will be on Release, destroyed; for a caller's
// shared connection this tells the caller it must not reuse it.
type ConnBrokenError struct {
	// Interrupted says the caller's context ended the statement; false
	// means the server or the network ended the connection.
	Interrupted bool
	Err         error
}

func (e *ConnBrokenError) Error() string {
	if e.Interrupted {
		return "connection closed after interrupted statement: " + e.Err.Error()
	}
	return "the database server closed the connection: " + e.Err.Error()
}

func (e *ConnBrokenError) Unwrap() error { return e.Err }

// LockWaitFunc is told, every few seconds while a [Locker] waits, who
// holds the lock (as far as the database can say) and how long the caller has
// waited so far. It must not block.
type LockWaitFunc func(holder string, waited time.Duration)

type lockWaitKey struct{}

// WithLockWait returns a context that carries fn for a [Locker], in the
// manner of net/http/httptrace: the adapter calls fn while it waits, so the
// caller can log the wait without the adapter knowing any logger.
func WithLockWait(ctx context.Context, fn LockWaitFunc) context.Context {
	return context.WithValue(ctx, lockWaitKey{}, fn)
}

// LockWaitFromContext returns the function set by [WithLockWait], or nil.
func LockWaitFromContext(ctx context.Context) LockWaitFunc {
	fn, _ := ctx.Value(lockWaitKey{}).(LockWaitFunc)
	return fn
}

// SchemaScoper is implemented by dialects whose connections can be pointed
// at one schema for unqualified names (PostgreSQL's search_path). Schema
// fleets, where many schemas of one database share a pool, need it: the
// engine runs [SchemaScoper.UseSchema] on each connection it takes for a
// schema target and [SchemaScoper.ResetSchema] before giving it back.
type SchemaScoper interface {
	// UseSchema returns the statement that makes schema the connection's
	// schema for unqualified names, the ones CREATE uses included.
	UseSchema(schema string) string
	// ResetSchema returns the statement that restores the connection's
	// own default.
	ResetSchema() string
	// SystemSchema reports whether schema belongs to the database itself;
	// a migration never runs in one.
	SystemSchema(schema string) bool
}

// MultiStatementExecer is implemented by dialects whose connections run
// several statements, separated by semicolons, in one Exec without
// arguments (PostgreSQL's simple query protocol, sqlite3_exec). The engine
// then sends its setup statements in one round trip.
type MultiStatementExecer interface {
	MultiStatementExec() bool
}

// SessionLockCounter is implemented by connections that must know whether
// they hold a session-scoped migration lock (a PostgreSQL advisory lock, a
// MySQL named lock): a pooled connection released while it still holds one
// is destroyed rather than handed to its next user with the lock. A lock
// adds 1 once it is held and unlock adds -1 once it is released.
type SessionLockCounter interface {
	AddSessionLock(delta int)
}
