package pgdialect

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/retort-sql/retort/adapter"
)

const (
	// lockStmtTimeout bounds one pg_try_advisory_lock round trip, which
	// runs on a context detached from the caller's so that a lock granted
	// as the caller's context ends is never lost track of.
	lockStmtTimeout = 10 * time.Second
)

// Lock takes an advisory lock keyed by the qualified name of t, polling
// pg_try_advisory_lock (never the blocking pg_advisory_lock) until it is
// granted or ctx is done. Inside a caller's transaction it takes
// pg_try_advisory_xact_lock, released by the caller's commit or rollback, and
// the returned unlock does nothing. While waiting it calls the
// [adapter.LockWaitFunc] carried by ctx, if any, every 5 s with the holder.
func (d Dialect) Lock(ctx context.Context, c adapter.Conn, t adapter.Ident) (func(context.Context) error, error) {
	key, qualified, err := lockKey(ctx, c, t)
	if err != nil {
		return nil, err
	}
	tryFn := "pg_try_advisory_lock"
	if c.InTx() {
		tryFn = "pg_try_advisory_xact_lock"
	}
	err = adapter.PollLock(ctx, adapter.LockPoll{
		Table: qualified,
		Try: func(ctx context.Context) (bool, error) {
			ok, err := tryLock(ctx, c, tryFn, key)
			if err != nil {
				return false, fmt.Errorf("lock %s: %w", qualified, err)
			}
			return ok, nil
		},
		Holder: func(ctx context.Context) string { return describeHolder(ctx, c, key) },
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if c.InTx() {
		return func(context.Context) error { return nil }, nil
	}
	pc, _ := c.(SessionLockCounter)
	if pc != nil {
		pc.AddSessionLock(1)
	}
	unlocked := false
	return func(ctx context.Context) error {
		if unlocked {
			return nil
		}
		rows, err := c.Query(ctx, "SELECT pg_advisory_unlock($1)", key)
		if err != nil {
			return fmt.Errorf("postgres: unlock %s: %w", qualified, err)
		}
		held, err := scanBool(rows)
		if err != nil {
			return fmt.Errorf("postgres: unlock %s: %w", qualified, err)
		}
		unlocked = true
		if pc != nil {
			pc.AddSessionLock(-1)
		}
		if !held {
			return fmt.Errorf("postgres: unlock %s: advisory lock was not held", qualified)
		}
		return nil
	}, nil
}

// SessionLockCounter is [adapter.SessionLockCounter]: [Dialect.Lock]
// counts the session advisory lock it takes on a connection that implements it.
type SessionLockCounter = adapter.SessionLockCounter

// ResolveLockKey is the advisory lock key of t as [Dialect.Lock] computes
// it (t's schema, or current_schema() when it has none), with the
// schema-qualified name it hashes.
func ResolveLockKey(ctx context.Context, c adapter.Querier, t adapter.Ident) (int64, string, error) {
	return lockKey(ctx, c, t)
}

// ScanBool reads the single boolean of a one-row result and closes rows.
func ScanBool(rows adapter.Rows) (bool, error) { return scanBool(rows) }

// lockKey returns the FNV-1a hash of schema.name, the schema being
// current_schema() when t has none, so that two schemas' version tables do
// not block each other.
func lockKey(ctx context.Context, c adapter.Querier, t adapter.Ident) (int64, string, error) {
	schema := t.Schema
	if schema == "" {
		rows, err := c.Query(ctx, "SELECT coalesce(current_schema(), '')")
		if err != nil {
			return 0, "", fmt.Errorf("postgres: lock %s: current schema: %w", t, err)
		}
		defer rows.Close()
		if !rows.Next() {
			return 0, "", fmt.Errorf("postgres: lock %s: current schema: %w", t, errors.Join(errNoRow, rows.Err()))
		}
		if err := rows.Scan(&schema); err != nil {
			return 0, "", fmt.Errorf("postgres: lock %s: current schema: %w", t, err)
		}
		if err := rows.Close(); err != nil {
			return 0, "", fmt.Errorf("postgres: lock %s: current schema: %w", t, err)
		}
	}
	qualified := schema + "." + t.Name
	return LockKey(adapter.Ident{Schema: schema, Name: t.Name}), qualified, nil
}

// LockKey returns the advisory lock key for a schema-qualified table name:
// the 64-bit FNV-1a hash of "schema.name".
func LockKey(t adapter.Ident) int64 {
	h := fnv.New64a()
	h.Write([]byte(t.Schema + "." + t.Name))
	return int64(h.Sum64())
}

var errNoRow = errors.New("query returned no row")

func tryLock(ctx context.Context, c adapter.Querier, fn string, key int64) (bool, error) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStmtTimeout)
	defer cancel()
	rows, err := c.Query(qctx, "SELECT "+fn+"($1)", key)
	if err != nil {
		return false, err
	}
	return scanBool(rows)
}

func scanBool(rows adapter.Rows) (bool, error) {
	defer rows.Close()
	var b bool
	if !rows.Next() {
		return false, errors.Join(errNoRow, rows.Err())
	}
	if err := rows.Scan(&b); err != nil {
		return false, err
	}
	return b, rows.Close()
}

// describeHolder names the session holding the advisory lock key, for the
// lock wait report. It never fails: it says what it could not find.
func describeHolder(ctx context.Context, c adapter.Querier, key int64) string {
	u := uint64(key)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rows, err := c.Query(ctx, `SELECT a.pid, coalesce(a.application_name, ''), a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = $1 AND l.objid::bigint = $2`, int64(u>>32), int64(u&0xffffffff))
	if err != nil {
		return "unknown holder (" + err.Error() + ")"
	}
	defer rows.Close()
	if !rows.Next() {
		return "unknown holder (lock released or not visible)"
	}
	var (
		pid     int64
		appName string
		started time.Time
	)
	if err := rows.Scan(&pid, &appName, &started); err != nil {
		return "unknown holder (" + err.Error() + ")"
	}
	return fmt.Sprintf("pid %d (application_name %q, backend started %s)",
		pid, appName, started.UTC().Format(time.RFC3339))
}
