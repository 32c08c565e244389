package postgres

import (
	"context"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres/pgdialect"
)

// Dialect is the PostgreSQL [adapter.Dialect], shared with adapter/sqldb.
// The zero value is ready to use and needs no database, so offline mode can
// render PostgreSQL SQL. Its Lock takes a session advisory lock (see
// [pgdialect.Dialect.Lock]).
type Dialect = pgdialect.Dialect

// Retries of a failed unlock start at lockPollMin and grow to lockPollMax,
// as adapter.PollLock's waits do.
const (
	lockPollMin = adapter.LockPollMin
	lockPollMax = adapter.LockPollMax
	// lockStmtTimeout bounds one lock statement's round trip, which runs
	// on a context detached from the caller's.
	lockStmtTimeout = 10 * time.Second
)

// LockKey returns the advisory lock key for a schema-qualified table name:
// the 64-bit FNV-1a hash of "schema.name".
func LockKey(t adapter.Ident) int64 { return pgdialect.LockKey(t) }

func lockKey(ctx context.Context, c adapter.Querier, t adapter.Ident) (int64, string, error) {
	return pgdialect.ResolveLockKey(ctx, c, t)
}

func scanBool(rows adapter.Rows) (bool, error) { return pgdialect.ScanBool(rows) }

func quote(s string) string { return pgdialect.Dialect{}.QuoteIdent(adapter.Ident{Name: s}) }

// AddSessionLock implements [pgdialect.SessionLockCounter].
func (c *conn) AddSessionLock(delta int) { c.sessionLocks += delta }

var _ pgdialect.SessionLockCounter = (*conn)(nil)
