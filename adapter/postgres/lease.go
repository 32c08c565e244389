package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/retort-sql/retort/adapter"
)

// Lease defaults.
const (
	DefaultLease = 30 * time.Second
	// leaseTableSuffix is appended to the version table's name to name the
	// lock table when LeaseOptions.Table is empty.
	leaseTableSuffix = "_lock"
	// leaseCreateTries bounds the retries of the lock table's creation, which
	// concurrent first runs may race on.
	leaseCreateTries = 3
)

// ErrLeaseLost is wrapped by the error a [LeaseLocker]'s unlock returns when
// the lease was taken over by another holder (or deleted) while it was held:
// the heartbeat could not extend it in time, so another run may have started
// while this one was still running; a lease's [adapter.Fence] returns it
// too. It wraps [adapter.ErrLockLost].
var ErrLeaseLost = fmt.Errorf("lease lost: %w", adapter.ErrLockLost)

// LeaseOptions configures a [LeaseLocker]. The zero value uses the defaults.
type LeaseOptions struct {
	// Lease is how long a lock row stays valid without a heartbeat; a
	// crashed holder's lock is taken over once it has expired. Zero means
	// 30 s.
	Lease time.Duration
	// Heartbeat is how often the holder extends its lease. Zero means
	// Lease/3. It must be shorter than Lease.
	Heartbeat time.Duration
	// Holder names this process in the lock row and in lock-wait reports.
	// Empty means hostname:pid:random.
	Holder string
	// Table is the lock table, "name" or "schema.name". Empty means the
	// version table's name with "_lock" appended, in the version table's
	// schema.
	Table string
}

// LeaseLocker is an [adapter.Locker] for PostgreSQL that keeps the migration
// lock in a table row rather than in a session advisory lock. Use it (through
// engine.Config.Locker) when the engine reaches PostgreSQL through PgBouncer
// in transaction pooling mode, where consecutive statements of one client
// may run on different server sessions, so that a session advisory lock is
// released, or held by the wrong client, at random.
//
// Every statement it issues is a single autocommit statement, so it needs no
// session state on the server. The lock is one row of the lock table (id,
// holder, token, acquired_at, expires_at), created when missing. Lock polls,
// with backoff and jitter under ctx, an INSERT … ON CONFLICT DO UPDATE that
// takes the row only when it is absent or its lease has expired; a crashed
// holder's lock is therefore taken over at most Lease after its last
// heartbeat. The holder extends its lease every Heartbeat on connections of
// its own, taken from the locker's pool for one statement each, never on
// the migration connection. Expiry is judged by the server's clock alone,
// so client clocks need not agree. While waiting, Lock reports the holder
// and its expiry through the [adapter.LockWaitFunc] in ctx every 5 s.
//
// Guarantees and limits: two runs never hold a live lease at once, and a
// holder that lost its lease commits nothing more. A holder that cannot
// reach the database for longer than Lease (a network partition, a paused
// process) loses its lease, and the next run may take over. The lease is
// fenced: [LeaseLocker.LockFenced] returns an [adapter.Fence] that the
// engine runs inside every transaction that writes version rows, just
// before its COMMIT; it extends the lease by token and must find exactly one
// unexpired row of its own, else the transaction is rolled back with an
// error wrapping [ErrLeaseLost] (and [adapter.ErrLockLost]). The fence's
// UPDATE holds the lock row until that transaction ends, so no one can take
// the lease over between the check and the COMMIT. What a stalled holder
// ran outside a transaction (transaction=false sections) cannot be fenced;
// the engine checks the lease before each such section. Choose Lease well
// above any expected stall. The heartbeat needs a free connection in the
// pool: give the locker its own small pool, or a pool with more connections
// than concurrent runs. The row is keyed by the qualified version table
// name, so one lock table may serve several version tables. Inside a
// caller's transaction the lock statements run on pool connections, outside
// that transaction, and the lease ends when the run ends, before the
// caller commits.
//
// A LeaseLocker is safe for concurrent use; each Lock is a separate
// acquisition with its own token.
type LeaseLocker struct {
	pool      *Pool
	lease     time.Duration
	heartbeat time.Duration
	holder    string
	table     string
}

var _ adapter.FencingLocker = (*LeaseLocker)(nil)

// NewLeaseLocker returns a lease locker whose heartbeat takes connections
// from pool. A Heartbeat not shorter than Lease is replaced by Lease/3.
func NewLeaseLocker(pool *Pool, opts LeaseOptions) *LeaseLocker {
	l := &LeaseLocker{pool: pool, lease: opts.Lease, heartbeat: opts.Heartbeat,
		holder: opts.Holder, table: opts.Table}
	if l.lease <= 0 {
		l.lease = DefaultLease
	}
	if l.heartbeat <= 0 || l.heartbeat >= l.lease {
		l.heartbeat = l.lease / 3
	}
	if l.holder == "" {
		l.holder = defaultHolder()
	}
	return l
}

// Holder returns the name this locker writes in the lock row.
func (l *LeaseLocker) Holder() string { return l.holder }

func defaultHolder() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown"
	}
	return host + ":" + strconv.Itoa(os.Getpid()) + ":" + randomHex(4)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// lockTable returns the lock table for the version table t.
func (l *LeaseLocker) lockTable(t adapter.Ident) (adapter.Ident, error) {
	lt := adapter.Ident{Schema: t.Schema, Name: t.Name + leaseTableSuffix}
	if l.table != "" {
		schema, name, ok := strings.Cut(l.table, ".")
		if !ok {
			schema, name = "", l.table
		}
		if ok && schema == "" {
			return adapter.Ident{}, fmt.Errorf("postgres: lease table %q: empty schema", l.table)
		}
		lt = adapter.Ident{Schema: schema, Name: name}
	}
	if err := (Dialect{}).ValidateIdent(lt); err != nil {
		return adapter.Ident{}, fmt.Errorf("postgres: lease table: %w", err)
	}
	return lt, nil
}

// lease is one held acquisition.
type lease struct {
	l         *LeaseLocker
	c         adapter.Conn // the migration connection; nil inside a caller's transaction
	table     string       // quoted
	qualified string       // the version table, for messages
	key       int64
	token     string

	cancel context.CancelFunc // stops the heartbeat
	done   chan struct{}      // closed when the heartbeat has exited

	mu       sync.Mutex
	lost     error // set by the heartbeat when the lease is gone
	unlocked bool
}

// Lock takes the lease for the version table t, creating the lock table when
// it is missing, and starts the heartbeat. It blocks until the lease is held
// or ctx is done. The statements run on c, each in its own autocommit
// transaction, or on pool connections when c is a caller's transaction.
// Lock is LockFenced without the fence.
func (l *LeaseLocker) Lock(ctx context.Context, c adapter.Conn, t adapter.Ident) (func(context.Context) error, error) {
	unlock, _, err := l.LockFenced(ctx, c, t)
	return unlock, err
}

// LockFenced is Lock that also returns the lease's [adapter.Fence]: run it
// inside each transaction that writes version rows, just before COMMIT. It
// fails, wrapping [ErrLeaseLost], when the lease expired or changed hands;
// on success the lease is extended and cannot change hands before that
// transaction ends. Inside a caller's transaction (c.InTx) the fence checks
// and extends the lease on a pool connection instead, since holding the
// lock row in the caller's transaction would block the unlock until the
// caller commits; the caller's COMMIT is then not fenced.
func (l *LeaseLocker) LockFenced(ctx context.Context, c adapter.Conn, t adapter.Ident) (func(context.Context) error, adapter.Fence, error) {
	ls, err := l.lock(ctx, c, t)
	if err != nil {
		return nil, nil, err
	}
	return ls.unlock, ls.fence, nil
}

func (l *LeaseLocker) lock(ctx context.Context, c adapter.Conn, t adapter.Ident) (*lease, error) {
	lt, err := l.lockTable(t)
	if err != nil {
		return nil, err
	}
	key, qualified, err := lockKey(ctx, c, t)
	if err != nil {
		return nil, err
	}
	ls := &lease{l: l, table: Dialect{}.QuoteIdent(lt), qualified: qualified, key: key,
		token: randomHex(16)}
	if !c.InTx() {
		ls.c = c
	}
	if err := ls.createTable(ctx, lt); err != nil {
		return nil, fmt.Errorf("postgres: lease lock %s: %w", qualified, err)
	}

	start := time.Now()
	nextReport := start.Add(lockReportEvery)
	delay := lockPollMin
	for {
		ok, err := ls.tryTake(ctx)
		if err != nil {
			return nil, fmt.Errorf("postgres: lease lock %s: %w", qualified, err)
		}
		if ok {
			break
		}
		if report := adapter.LockWaitFromContext(ctx); report != nil && !time.Now().Before(nextReport) {
			report(ls.describeHolder(ctx), time.Since(start))
			nextReport = nextReport.Add(lockReportEvery)
		}
		sleep := delay/2 + mrand.N(delay/2+1)
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("postgres: %w", &adapter.LockWaitError{Kind: "lease lock", Table: qualified, Waited: time.Since(start), Err: err})
		}
		delay = min(delay*2, lockPollMax)
	}

	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ls.cancel = cancel
	ls.done = make(chan struct{})
	go ls.beat(hctx)
	return ls, nil
}

// fenceSQL extends the lease of one acquisition, by token, only while it has
// not expired. clock_timestamp, not now: inside a long transaction now() is
// the time the transaction began.
func (ls *lease) fenceSQL() string {
	return "UPDATE " + ls.table + " SET expires_at = clock_timestamp() + $3 * interval '1 second'" +
		" WHERE id = $1 AND token = $2 AND expires_at > clock_timestamp()"
}

// fence is the lease's adapter.Fence: inside q's transaction, it extends the
// lease by token and requires exactly one unexpired row. The row lock the
// UPDATE takes keeps the lease from being taken over until q's transaction
// ends.
func (ls *lease) fence(ctx context.Context, q adapter.Querier) error {
	if lost := ls.lostErr(); lost != nil {
		return fmt.Errorf("postgres: lease lock %s: %w", ls.qualified, lost)
	}
	var n int64
	run := func(q adapter.Querier) error {
		var err error
		n, err = q.Exec(ctx, ls.fenceSQL(), ls.key, ls.token, ls.l.lease.Seconds())
		return err
	}
	var err error
	if ls.c == nil {
		err = ls.with(ctx, func(c adapter.Conn) error { return run(c) })
	} else {
		err = run(q)
	}
	if err != nil {
		return fmt.Errorf("postgres: lease lock %s: fencing check: %w", ls.qualified, err)
	}
	if n != 1 {
		lost := fmt.Errorf("%w: at %s the lock row was expired, gone or taken over",
			ErrLeaseLost, time.Now().UTC().Format(time.RFC3339Nano))
		ls.mu.Lock()
		if ls.lost == nil {
			ls.lost = lost
		}
		ls.mu.Unlock()
		return fmt.Errorf("postgres: lease lock %s: %w", ls.qualified, lost)
	}
	return nil
}

func (ls *lease) lostErr() error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.lost
}

// with runs f on the migration connection, or on a pool connection when
// the lock must stay outside a caller's transaction.
func (ls *lease) with(ctx context.Context, f func(adapter.Conn) error) error {
	if ls.c != nil {
		return f(ls.c)
	}
	pc, err := ls.l.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	return f(pc)
}

// createTable creates the lock table (and its schema) unless it exists.
// Concurrent creations may fail with a duplicate-object error; the table
// existing afterwards is what counts.
func (ls *lease) createTable(ctx context.Context, lt adapter.Ident) error {
	exists := "SELECT to_regclass(" + Dialect{}.Literal(ls.table) + ") IS NOT NULL"
	var stmts []string
	if lt.Schema != "" {
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+quote(lt.Schema))
	}
	stmts = append(stmts, "CREATE TABLE IF NOT EXISTS "+ls.table+
		" (id bigint PRIMARY KEY, holder text NOT NULL, token text NOT NULL,"+
		" acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)")
	return ls.with(ctx, func(c adapter.Conn) error {
		var lastErr error
		for range leaseCreateTries {
			rows, err := c.Query(ctx, exists)
			if err != nil {
				return fmt.Errorf("create lock table: %w", err)
			}
			ok, err := scanBool(rows)
			if err != nil {
				return fmt.Errorf("create lock table: %w", err)
			}
			if ok {
				return nil
			}
			lastErr = nil
			for _, s := range stmts {
				if _, err := c.Exec(ctx, s); err != nil {
					lastErr = err
					break
				}
			}
			if lastErr == nil {
				return nil
			}
			if ctx.Err() != nil {
				break
			}
		}
		return fmt.Errorf("create lock table: %w", lastErr)
	})
}

// tryTake inserts the lock row, or takes over an expired one, in one
// statement. It runs on a context detached from the caller's (bounded by
// lockStmtTimeout) so that a row taken as ctx ends is never lost track of.
func (ls *lease) tryTake(ctx context.Context) (bool, error) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lockStmtTimeout)
	defer cancel()
	q := "INSERT INTO " + ls.table + " AS l (id, holder, token, acquired_at, expires_at)" +
		" VALUES ($1, $2, $3, now(), now() + $4 * interval '1 second')" +
		" ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, token = EXCLUDED.token," +
		" acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at" +
		" WHERE l.expires_at < now()"
	var n int64
	err := ls.with(qctx, func(c adapter.Conn) error {
		var err error
		n, err = c.Exec(qctx, q, ls.key, ls.l.holder, ls.token, ls.l.lease.Seconds())
		return err
	})
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// describeHolder names the holder of the lock row and its expiry, for the
// lock-wait report. It never fails: it says what it could not find.
func (ls *lease) describeHolder(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var desc string
	err := ls.with(ctx, func(c adapter.Conn) error {
		rows, err := c.Query(ctx, "SELECT holder, acquired_at, expires_at, now() FROM "+
			ls.table+" WHERE id = $1", ls.key)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			desc = "unknown holder (lease released)"
			return rows.Err()
		}
		var (
			holder                 string
			acquired, expires, now time.Time
		)
		if err := rows.Scan(&holder, &acquired, &expires, &now); err != nil {
			return err
		}
		left := expires.Sub(now).Round(time.Millisecond)
		state := "expires in " + left.String()
		if left < 0 {
			state = "expired " + (-left).String() + " ago"
		}
		desc = fmt.Sprintf("%s (lease since %s, %s)", holder,
			acquired.UTC().Format(time.RFC3339), state)
		return rows.Close()
	})
	if err != nil {
		return "unknown holder (" + err.Error() + ")"
	}
	return desc
}

// beat extends the lease every heartbeat interval until ctx is cancelled or
// the lease is found lost. A failed heartbeat (pool exhausted, database
// unreachable) is retried at the next tick; only a heartbeat that finds the
// row gone or held by another token marks the lease lost.
func (ls *lease) beat(ctx context.Context) {
	defer close(ls.done)
	ticker := time.NewTicker(ls.l.heartbeat)
	defer ticker.Stop()
	// An expired lease stays lost, even when no one has taken it over yet:
	// the fence makes the same demand.
	q := "UPDATE " + ls.table + " SET expires_at = now() + $3 * interval '1 second'" +
		" WHERE id = $1 AND token = $2 AND expires_at > now()"
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		n, err := ls.extend(ctx, q)
		if err != nil {
			continue
		}
		if n == 0 {
			ls.mu.Lock()
			if ls.lost == nil {
				ls.lost = fmt.Errorf("%w: heartbeat at %s found the lock row expired, gone or taken over",
					ErrLeaseLost, time.Now().UTC().Format(time.RFC3339Nano))
			}
			ls.mu.Unlock()
			return
		}
	}
}

// extend runs one heartbeat statement on a connection of the pool, never on
// the migration connection, which is busy and not safe for concurrent use.
func (ls *lease) extend(ctx context.Context, q string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, ls.l.lease)
	defer cancel()
	c, err := ls.l.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Release()
	return c.Exec(ctx, q, ls.key, ls.token, ls.l.lease.Seconds())
}

// unlock stops the heartbeat, waits for it to exit and deletes the lock row
// if it is still this acquisition's. It reports a lost lease as an error
// wrapping ErrLeaseLost. A DELETE that fails (a broken migration
// connection, a pooler that switched server sessions) is retried on fresh
// pool connections, with backoff, until ctx ends, so that a released lease
// never blocks the next run for its full length. Calls after the first do
// nothing.
func (ls *lease) unlock(ctx context.Context) error {
	ls.mu.Lock()
	if ls.unlocked {
		ls.mu.Unlock()
		return nil
	}
	ls.unlocked = true
	ls.mu.Unlock()
	ls.cancel()
	<-ls.done
	del := "DELETE FROM " + ls.table + " WHERE id = $1 AND token = $2"
	n, err := ls.release(ctx, del)
	if lost := ls.lostErr(); lost != nil {
		// A row of this token left behind would still block others until
		// it expires: it was deleted above all the same.
		return fmt.Errorf("postgres: unlock %s: %w", ls.qualified, lost)
	}
	if err != nil {
		return fmt.Errorf("postgres: unlock %s: %w", ls.qualified, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: unlock %s: %w: the lock row was gone or taken over at release",
			ls.qualified, ErrLeaseLost)
	}
	return nil
}

// release runs the DELETE of unlock: first on the migration connection
// (when there is one), then on pool connections until it succeeds or ctx
// ends.
func (ls *lease) release(ctx context.Context, del string) (int64, error) {
	var n int64
	var err error
	if ls.c != nil {
		if n, err = ls.c.Exec(ctx, del, ls.key, ls.token); err == nil {
			return n, nil
		}
	}
	delay := lockPollMin
	for attempt := 0; ; attempt++ {
		if attempt > 0 || ls.c != nil {
			timer := time.NewTimer(delay/2 + mrand.N(delay/2+1))
			select {
			case <-ctx.Done():
				timer.Stop()
				if err == nil {
					err = ctx.Err()
				}
				return 0, fmt.Errorf("%w (gave up after %d tries: %w)", err, attempt+1, ctx.Err())
			case <-timer.C:
			}
			delay = min(delay*4, lockPollMax)
		}
		var pc adapter.Conn
		if pc, err = ls.l.pool.Acquire(ctx); err == nil {
			n, err = pc.Exec(ctx, del, ls.key, ls.token)
			pc.Release()
			if err == nil {
				return n, nil
			}
		}
	}
}
