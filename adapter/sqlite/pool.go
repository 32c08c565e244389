package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"
)

const (
	// DefaultBusyTimeout is how long a statement whose context has no
	// deadline waits for another connection's lock before failing with
	// SQLITE_BUSY. A statement whose context has a deadline waits until
	// that deadline instead.
	DefaultBusyTimeout = 5 * time.Second
	// filePoolSize is the number of connections of a pool over a file.
	filePoolSize = 4
	// MemoryPath names an in-memory database.
	MemoryPath = ":memory:"
)

// Pool is an [adapter.Pool] over SQLite connections. It is safe for
// concurrent use; the connections it hands out are not.
type Pool struct {
	path   string
	memory bool
	// slots holds one entry per connection the pool may have: an idle
	// connection, or nil for one not opened yet.
	slots chan *sqlite3.Conn
	done  chan struct{}
	// memLock is the Dialect.Lock of an in-memory database.
	memLock chan struct{}

	mu     sync.Mutex
	closed bool
}

var (
	_ adapter.Pool = (*Pool)(nil)
	_ adapter.Conn = (*conn)(nil)
	_ adapter.Tx   = (*tx)(nil)
	_ adapter.Rows = (*rows)(nil)
)

// Open opens a pool over the database file at path (created if missing) or
// over [MemoryPath]. It opens one connection at once, to report a bad path
// early; the others are opened on demand.
func Open(ctx context.Context, path string) (*Pool, error) {
	p := &Pool{
		path:    path,
		memory:  path == MemoryPath,
		done:    make(chan struct{}),
		memLock: make(chan struct{}, 1),
	}
	size := filePoolSize
	if p.memory {
		size = 1
	}
	c, err := p.openConn(ctx)
	if err != nil {
		return nil, err
	}
	p.slots = make(chan *sqlite3.Conn, size)
	p.slots <- c
	for range size - 1 {
		p.slots <- nil
	}
	return p, nil
}

func (p *Pool) openConn(ctx context.Context) (*sqlite3.Conn, error) {
	c, err := sqlite3.OpenContext(ctx, p.path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", p.path, wrapCtx(ctx, err))
	}
	if err := c.BusyHandler(busyHandler(DefaultBusyTimeout)); err != nil {
		c.Close()
		return nil, fmt.Errorf("sqlite: open %s: busy handler: %w", p.path, err)
	}
	if !p.memory {
		old := c.SetInterrupt(ctx)
		err := setWAL(ctx, c)
		c.SetInterrupt(old)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("sqlite: open %s: journal_mode=WAL: %w", p.path, wrapCtx(ctx, err))
		}
	}
	return c, nil
}

// setWAL switches the database to WAL. Switching needs an exclusive lock,
// and SQLite reports SQLITE_BUSY at once, without calling the busy handler,
// when several connections open a new file together; so it retries with
// backoff, for as long as the busy timeout, and stops early once another
// connection has made the switch.
func setWAL(ctx context.Context, c *sqlite3.Conn) error {
	deadline := time.Now().Add(DefaultBusyTimeout)
	for attempt := 0; ; attempt++ {
		err := c.Exec("PRAGMA journal_mode=WAL")
		if err == nil || !errors.Is(err, sqlite3.BUSY) {
			return err
		}
		if mode, qerr := journalMode(c); qerr == nil && mode == "wal" {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(min(time.Millisecond<<min(attempt, 6), 50*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func journalMode(c *sqlite3.Conn) (string, error) {
	stmt, _, err := c.Prepare("PRAGMA journal_mode")
	if err != nil {
		return "", err
	}
	defer stmt.Close()
	if !stmt.Step() {
		return "", stmt.Err()
	}
	return stmt.ColumnText(0), nil
}

// busyHandler retries a busy database with growing sleeps until the call's
// context (the connection's interrupt context, which the library hands to
// the handler) is done: its deadline (--timeout, a caller's deadline) bounds
// the wait. A context without a deadline waits timeout since the first
// retry.
func busyHandler(timeout time.Duration) func(ctx context.Context, count int) bool {
	var first time.Time
	return func(ctx context.Context, count int) bool {
		_, bounded := ctx.Deadline()
		if count == 0 {
			first = time.Now()
		} else if !bounded && time.Since(first) >= timeout {
			return false
		}
		d := min(time.Millisecond<<min(count, 6), 50*time.Millisecond)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
}

// Acquire returns a connection, waiting while ctx allows when every
// connection is taken (an in-memory pool has exactly one).
func (p *Pool) Acquire(ctx context.Context) (adapter.Conn, error) {
	var c *sqlite3.Conn
	select {
	case <-p.done:
		return nil, adapter.ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("sqlite: acquire: %w", ctx.Err())
	case c = <-p.slots:
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		if c != nil {
			c.Close()
		}
		return nil, adapter.ErrClosed
	}
	if c == nil {
		var err error
		if c, err = p.openConn(ctx); err != nil {
			p.slots <- nil
			return nil, err
		}
	}
	return &conn{c: c, pool: p, lock: sqlitedialect.NewLockState(p.memLock)}, nil
}

// put gives a connection back, or its slot when c is nil (destroyed).
func (p *Pool) put(c *sqlite3.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		if c != nil {
			c.Close()
		}
		return
	}
	p.slots <- c
}

// Dialect returns [Dialect].
func (p *Pool) Dialect() adapter.Dialect { return Dialect{} }

// Close closes the idle connections; a connection still acquired is closed
// when it is released. Acquire returns [adapter.ErrClosed] afterwards.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	close(p.done)
	var firstErr error
	for {
		select {
		case c := <-p.slots:
			if c != nil {
				if err := c.Close(); err != nil && firstErr == nil {
					firstErr = fmt.Errorf("sqlite: close: %w", err)
				}
			}
		default:
			return firstErr
		}
	}
}
