package sqlitedialect

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/retort-sql/retort/adapter"
)

const (
	lockPollMin     = 10 * time.Millisecond
	lockPollMax     = time.Second
	lockReportEvery = 5 * time.Second
	// LockFileSuffix is appended to a database file's path to name the file
	// that [Dialect.Lock] locks.
	LockFileSuffix = "-migrate.lock"
)

// Lock serialises migration runs on the database that holds t, across
// processes. For a database file it takes an exclusive lock on the sidecar
// file "<database path>-migrate.lock", retrying with backoff and jitter until
// it is granted or ctx is done; for an in-memory database it takes the
// pool's (or the FromConn wrapper's) lock channel. While waiting for a file
// it calls the [adapter.LockWaitFunc] carried by ctx, if any, every 5 s.
// Releasing the connection drops a lock that was never unlocked.
func (d Dialect) Lock(ctx context.Context, c adapter.Conn, t adapter.Ident) (func(context.Context) error, error) {
	h, ok := c.(LockHolder)
	if !ok {
		return nil, fmt.Errorf("sqlite: lock %s: connection of type %T cannot hold the SQLite migration lock", t, c)
	}
	sc := h.SQLiteLock()
	if sc.lockFile != nil || sc.memHeld {
		return nil, fmt.Errorf("sqlite: lock %s: already held by this connection", t)
	}
	file, err := databaseFile(ctx, c, t.Schema)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", t, err)
	}
	if file == "" {
		memStart := time.Now()
		select {
		case sc.memLock <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("sqlite: %w", &adapter.LockWaitError{Table: t.String(), Waited: time.Since(memStart), On: "the in-memory database's lock", Err: ctx.Err()})
		}
		sc.memHeld = true
		return func(context.Context) error {
			if sc.memHeld {
				sc.memHeld = false
				<-sc.memLock
			}
			return nil
		}, nil
	}
	path := file + LockFileSuffix
	start := time.Now()
	nextReport := start.Add(lockReportEvery)
	delay := lockPollMin
	for {
		f, err := tryLockFile(path)
		if err == nil {
			sc.lockFile = f
			break
		}
		if !errors.Is(err, errLocked) {
			return nil, fmt.Errorf("sqlite: lock %s: %w", t, err)
		}
		if report := adapter.LockWaitFromContext(ctx); report != nil && !time.Now().Before(nextReport) {
			report("another connection or process holding "+path, time.Since(start))
			nextReport = nextReport.Add(lockReportEvery)
		}
		timer := time.NewTimer(delay/2 + rand.N(delay/2+1))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("sqlite: %w", &adapter.LockWaitError{Table: t.String(), Waited: time.Since(start), On: path, Err: ctx.Err()})
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: %w", &adapter.LockWaitError{Table: t.String(), Waited: time.Since(start), On: path, Err: err})
		}
		delay = min(delay*2, lockPollMax)
	}
	return func(context.Context) error {
		if sc.lockFile == nil {
			return nil
		}
		err := unlockFile(sc.lockFile)
		sc.lockFile = nil
		if err != nil {
			return fmt.Errorf("sqlite: unlock %s: %w", t, err)
		}
		return nil
	}, nil
}

// LockState is one connection's hold on the migration lock: the sidecar
// lock file of a database file, or the in-memory database's lock channel.
type LockState struct {
	memLock  chan struct{}
	lockFile *os.File
	memHeld  bool
}

// NewLockState returns the lock state of a new connection. mem is the
// lock of an in-memory database, shared by every connection that sees the
// same database (a pool's); nil gives the connection a lock of its own.
func NewLockState(mem chan struct{}) *LockState {
	if mem == nil {
		mem = make(chan struct{}, 1)
	}
	return &LockState{memLock: mem}
}

// Drop releases a lock taken through [Dialect.Lock] and never unlocked;
// connections call it when they are released.
func (s *LockState) Drop() {
	if s.lockFile != nil {
		_ = unlockFile(s.lockFile)
		s.lockFile = nil
	}
	if s.memHeld {
		s.memHeld = false
		<-s.memLock
	}
}

// LockHolder is a connection that can hold the SQLite migration lock: the
// SQLite adapter's and adapter/sqldb's connections.
type LockHolder interface {
	adapter.Conn
	SQLiteLock() *LockState
}

// errLocked reports that another holder has the lock file.
var errLocked = errors.New("lock file held by another holder")

// databaseFile returns the file behind schema (main when empty), or "" for
// an in-memory or temporary database.
func databaseFile(ctx context.Context, c adapter.Querier, schema string) (string, error) {
	if schema == "" {
		schema = "main"
	}
	rows, err := c.Query(ctx, "SELECT file FROM pragma_database_list WHERE name = ?", schema)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return "", err
		}
		return "", fmt.Errorf("no attached database named %q", schema)
	}
	var file string
	if err := rows.Scan(&file); err != nil {
		return "", err
	}
	return file, rows.Close()
}
