package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
	sc, ok := c.(*conn)
	if !ok {
		return nil, fmt.Errorf("sqlite: lock %s: connection of type %T is not from this adapter", t, c)
	}
	if sc.lockFile != nil || sc.memHeld {
		return nil, fmt.Errorf("sqlite: lock %s: already held by this connection", t)
	}
	file, err := databaseFile(ctx, c, t.Schema)
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", t, err)
	}
	if file == "" {
		select {
		case sc.memLock <- struct{}{}:
		case <-ctx.Done():
			return nil, fmt.Errorf("sqlite: lock %s: %w", t, ctx.Err())
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
			return nil, fmt.Errorf("sqlite: lock %s: waited %s for %s: %w",
				t, time.Since(start).Round(time.Millisecond), path, ctx.Err())
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("sqlite: lock %s: waited %s for %s: %w",
				t, time.Since(start).Round(time.Millisecond), path, err)
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

// errLocked reports that another holder has the lock file.
var errLocked = errors.New("lock file held by another holder")

// databaseFile returns the file behind schema (main when empty), or "" for
// an in-memory or temporary database.
func databaseFile(ctx context.Context, c adapter.Conn, schema string) (string, error) {
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
