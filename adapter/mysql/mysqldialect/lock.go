package mysqldialect

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/retort-sql/retort/adapter"
)

const (
	// lockStmtTimeout bounds one GET_LOCK round trip, which runs on a
	// context detached from the caller's so that a lock granted as the
	// caller's context ends is never lost track of.
	lockStmtTimeout = 10 * time.Second
)

var errNoRow = errors.New("query returned no row")

// Lock takes the named lock of t (see [LockName]) with GET_LOCK(name, 0),
// polled until it is granted or ctx is done; a blocking GET_LOCK could not
// be interrupted without killing the query. While waiting it calls the
// [adapter.LockWaitFunc] carried by ctx, if any, every 5 s with the holder.
// The lock belongs to the session of c, also inside a caller's transaction
// (MySQL has no transaction-scoped named lock): unlock releases it with
// RELEASE_LOCK.
func (Dialect) Lock(ctx context.Context, c adapter.Conn, t adapter.Ident) (func(context.Context) error, error) {
	name, qualified, err := lockName(ctx, c, t)
	if err != nil {
		return nil, err
	}
	err = adapter.PollLock(ctx, adapter.LockPoll{
		Table: qualified,
		Try: func(ctx context.Context) (bool, error) {
			ok, err := tryLock(ctx, c, name)
			if err != nil {
				return false, fmt.Errorf("lock %s: %w", qualified, err)
			}
			return ok, nil
		},
		Holder: func(ctx context.Context) string { return describeHolder(ctx, c, name) },
	})
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	mc, _ := c.(SessionLockCounter)
	if mc != nil {
		mc.AddSessionLock(1)
	}
	unlocked := false
	return func(ctx context.Context) error {
		if unlocked {
			return nil
		}
		rows, err := c.Query(ctx, "SELECT RELEASE_LOCK(?)", name)
		if err != nil {
			return fmt.Errorf("mysql: unlock %s: %w", qualified, err)
		}
		held, err := scanInt(rows)
		if err != nil {
			return fmt.Errorf("mysql: unlock %s: %w", qualified, err)
		}
		unlocked = true
		if mc != nil {
			mc.AddSessionLock(-1)
		}
		if held != 1 {
			return fmt.Errorf("mysql: unlock %s: named lock was not held by this session", qualified)
		}
		return nil
	}, nil
}

// SessionLockCounter is [adapter.SessionLockCounter]: [Dialect.Lock]
// counts the named lock it takes on a connection that implements it.
type SessionLockCounter = adapter.SessionLockCounter

// lockName returns the lock name of t, the database being DATABASE() when
// t has none, so that two databases' version tables do not block each
// other.
func lockName(ctx context.Context, c adapter.Conn, t adapter.Ident) (string, string, error) {
	db := t.Schema
	if db == "" {
		rows, err := c.Query(ctx, "SELECT COALESCE(DATABASE(), '')")
		if err != nil {
			return "", "", fmt.Errorf("mysql: lock %s: current database: %w", t, err)
		}
		defer rows.Close()
		if !rows.Next() {
			return "", "", fmt.Errorf("mysql: lock %s: current database: %w", t, errors.Join(errNoRow, rows.Err()))
		}
		if err := rows.Scan(&db); err != nil {
			return "", "", fmt.Errorf("mysql: lock %s: current database: %w", t, err)
		}
		if err := rows.Close(); err != nil {
			return "", "", fmt.Errorf("mysql: lock %s: current database: %w", t, err)
		}
	}
	qt := adapter.Ident{Schema: db, Name: t.Name}
	return LockName(qt), qt.String(), nil
}

// LockName returns the GET_LOCK name for a database-qualified table name:
// "retort." and the 64-bit FNV-1a hash of "database.table" in hex, short
// enough for MySQL's 64-character limit on lock names whatever the names.
func LockName(t adapter.Ident) string {
	h := fnv.New64a()
	h.Write([]byte(t.Schema + "." + t.Name))
	return fmt.Sprintf("retort.%016x", h.Sum64())
}

func tryLock(ctx context.Context, c adapter.Conn, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStmtTimeout)
	defer cancel()
	rows, err := c.Query(qctx, "SELECT COALESCE(GET_LOCK(?, 0), 0)", name)
	if err != nil {
		return false, err
	}
	n, err := scanInt(rows)
	return n == 1, err
}

func scanInt(rows adapter.Rows) (int64, error) {
	defer rows.Close()
	var n *int64
	if !rows.Next() {
		return 0, errors.Join(errNoRow, rows.Err())
	}
	if err := rows.Scan(&n); err != nil {
		return 0, err
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// describeHolder names the session holding the lock, for the lock wait
// report: IS_USED_LOCK gives its connection id, information_schema's
// processlist its user, host and how long it has been in its state (a
// session sees the others' rows with the PROCESS privilege). It never
// fails: it says what it could not find.
func describeHolder(ctx context.Context, c adapter.Conn, name string) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rows, err := c.Query(ctx, "SELECT IS_USED_LOCK(?)", name)
	if err != nil {
		return "unknown holder (" + err.Error() + ")"
	}
	id, err := scanInt(rows)
	if err != nil {
		return "unknown holder (" + err.Error() + ")"
	}
	if id == 0 {
		return "unknown holder (lock released)"
	}
	rows, err = c.Query(ctx, "SELECT user, host, COALESCE(command, ''), time FROM information_schema.processlist WHERE id = ?", id)
	if err != nil {
		return fmt.Sprintf("connection %d", id)
	}
	defer rows.Close()
	if !rows.Next() {
		return fmt.Sprintf("connection %d (not visible in the processlist)", id)
	}
	var (
		user, host, command string
		secs                int64
	)
	if err := rows.Scan(&user, &host, &command, &secs); err != nil {
		return fmt.Sprintf("connection %d", id)
	}
	return fmt.Sprintf("connection %d (%s@%s, %s for %ds)", id, user, host, command, secs)
}
