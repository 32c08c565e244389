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

// Lease polling, as the advisory lock's: the first retry after
// lockPollMin, doubling up to lockPollMax, each delay jittered.
const (
	lockPollMin     = 10 * time.Millisecond
	lockPollMax     = time.Second
	lockReportEvery = 5 * time.Second
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
