package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/pgtest"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
)

var leaseVT = adapter.Ident{Name: "migrate_version"}

// acquire takes a connection from p, released when the test ends.
func acquire(t *testing.T, p *postgres.Pool) adapter.Conn {
	t.Helper()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Release)
	return c
}

// lockOrFatal takes l's lock on a fresh connection of p.
func lockOrFatal(t *testing.T, l *postgres.LeaseLocker, p *postgres.Pool) func(context.Context) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	unlock, err := l.Lock(ctx, acquire(t, p), leaseVT)
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

// mustWait checks that l cannot take the lock within d.
func mustWait(t *testing.T, l *postgres.LeaseLocker, p *postgres.Pool, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	unlock, err := l.Lock(ctx, acquire(t, p), leaseVT)
	if err == nil {
		_ = unlock(t.Context())
		t.Fatal("second Lock succeeded while the lease was held")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock: got %v, want context.DeadlineExceeded", err)
	}
}

func exec(t *testing.T, p *postgres.Pool, sql string, args ...any) {
	t.Helper()
	c := acquire(t, p)
	if _, err := c.Exec(t.Context(), sql, args...); err != nil {
		t.Fatal(err)
	}
	c.Release()
}

func lockRows(t *testing.T, p *postgres.Pool) int {
	t.Helper()
	c := acquire(t, p)
	defer c.Release()
	rows, err := c.Query(t.Context(), `SELECT count(*) FROM "migrate_version_lock"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLeaseExclusion runs without t.Parallel so that goleak sees only its
// own goroutines: every heartbeat must have exited once unlock returns.
func TestLeaseExclusion(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	p := openPool(t)
	one := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "one"})
	two := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "two"})
	for _, tc := range []struct {
		name         string
		first, other *postgres.LeaseLocker
	}{
		{"two lockers", one, two},
		{"one locker twice", one, one},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unlock := lockOrFatal(t, tc.first, p)
			mustWait(t, tc.other, p, 300*time.Millisecond)
			if err := unlock(t.Context()); err != nil {
				t.Fatal(err)
			}
			if err := unlock(t.Context()); err != nil {
				t.Fatalf("second unlock: %v", err)
			}
			if n := lockRows(t, p); n != 0 {
				t.Fatalf("%d lock rows after unlock", n)
			}
			unlock = lockOrFatal(t, tc.other, p)
			if err := unlock(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLeaseOptions(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	for _, tc := range []struct {
		name    string
		opts    postgres.LeaseOptions
		vt      adapter.Ident
		table   string // expected lock table
		wantErr string
	}{
		{"default", postgres.LeaseOptions{}, adapter.Ident{Name: "v"}, "public.v_lock", ""},
		{"schema of the version table", postgres.LeaseOptions{}, adapter.Ident{Schema: "s1", Name: "v"}, "s1.v_lock", ""},
		{"explicit table", postgres.LeaseOptions{Table: "locks.migration"}, adapter.Ident{Name: "v"}, "locks.migration", ""},
		{"too long", postgres.LeaseOptions{}, adapter.Ident{Name: strings.Repeat("v", 60)}, "", "longer than 63 bytes"},
		{"empty schema", postgres.LeaseOptions{Table: ".x"}, adapter.Ident{Name: "v"}, "", "empty schema"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := postgres.NewLeaseLocker(p, tc.opts)
			unlock, err := l.Lock(t.Context(), acquire(t, p), tc.vt)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := unlock(t.Context()); err != nil {
					t.Error(err)
				}
			}()
			c := acquire(t, p)
			rows, err := c.Query(t.Context(), "SELECT holder FROM "+tc.table)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var holder string
			if !rows.Next() {
				t.Fatal("no lock row")
			}
			if err := rows.Scan(&holder); err != nil {
				t.Fatal(err)
			}
			if holder != l.Holder() || holder == "" {
				t.Fatalf("holder %q, want %q", holder, l.Holder())
			}
		})
	}
}

func TestLeaseDefaultHolder(t *testing.T) {
	a := postgres.NewLeaseLocker(nil, postgres.LeaseOptions{})
	b := postgres.NewLeaseLocker(nil, postgres.LeaseOptions{})
	if a.Holder() == b.Holder() || strings.Count(a.Holder(), ":") < 2 {
		t.Fatalf("holders %q and %q: want distinct host:pid:random", a.Holder(), b.Holder())
	}
}

// A crashed holder leaves its row behind; it is taken over once its lease
// has expired, and not before.
func TestLeaseCrashedHolderIsTakenOver(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "survivor", Lease: time.Second})
	// Create the table, then plant a crashed holder's row.
	unlock := lockOrFatal(t, l, p)
	if err := unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	exec(t, p, `INSERT INTO "migrate_version_lock" VALUES ($1, 'crashed', 'x', now(), now() + interval '1 second')`,
		postgres.LockKey(adapter.Ident{Schema: "public", Name: "migrate_version"}))
	mustWait(t, l, p, 300*time.Millisecond)
	start := time.Now()
	unlock = lockOrFatal(t, l, p)
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("took over after %s, lease was 1 s", waited)
	}
	if err := unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// The heartbeat keeps a 600 ms lease alive for 2 s.
func TestLeaseHeartbeat(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	holder := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "holder", Lease: 600 * time.Millisecond})
	other := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "other", Lease: 600 * time.Millisecond})
	unlock := lockOrFatal(t, holder, p)
	mustWait(t, other, p, 2*time.Second)
	if err := unlock(t.Context()); err != nil {
		t.Fatalf("unlock after 2 s: %v", err)
	}
}

// A holder whose lease is taken over (here: expired by hand, as after a long
// stall) learns it from its heartbeat, and its unlock says so.
func TestLeaseLost(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	stalled := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "stalled", Lease: 600 * time.Millisecond})
	next := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "next", Lease: 10 * time.Second})
	unlock := lockOrFatal(t, stalled, p)
	exec(t, p, `UPDATE "migrate_version_lock" SET expires_at = now() - interval '1 second'`)
	unlockNext := lockOrFatal(t, next, p)
	time.Sleep(400 * time.Millisecond) // at least one heartbeat of the stalled holder
	err := unlock(t.Context())
	if !errors.Is(err, postgres.ErrLeaseLost) {
		t.Fatalf("unlock of a lost lease: got %v, want ErrLeaseLost", err)
	}
	// The lost holder's unlock left the new holder's row alone.
	if n := lockRows(t, p); n != 1 {
		t.Fatalf("%d lock rows, want the new holder's", n)
	}
	if err := unlockNext(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// While waiting, Lock reports the holder and its expiry every 5 s.
func TestLeaseLockWaitReport(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	holder := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "busy-holder"})
	waiter := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "waiter"})
	unlock := lockOrFatal(t, holder, p)
	defer func() {
		if err := unlock(t.Context()); err != nil {
			t.Error(err)
		}
	}()
	var (
		mu      sync.Mutex
		reports []string
	)
	ctx := adapter.WithLockWait(t.Context(), func(h string, waited time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if waited < 4*time.Second {
			t.Errorf("reported after %s, want about 5 s", waited)
		}
		reports = append(reports, h)
	})
	ctx, cancel := context.WithTimeout(ctx, 6*time.Second)
	defer cancel()
	if _, err := waiter.Lock(ctx, acquire(t, p), leaseVT); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 1 {
		t.Fatalf("%d reports, want 1: %q", len(reports), reports)
	}
	if !strings.HasPrefix(reports[0], "busy-holder (lease since ") || !strings.Contains(reports[0], "expires in") {
		t.Fatalf("report %q does not name the holder and its expiry", reports[0])
	}
}

// Inside a caller's transaction the lease is taken outside it, on the
// locker's pool, so other processes see it at once.
func TestLeaseInCallerTransaction(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "tx"})
	pc, err := p.PgxPool().Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Rollback(context.Background())
	unlock, err := l.Lock(t.Context(), postgres.FromTx(pc), leaseVT)
	if err != nil {
		t.Fatal(err)
	}
	mustWait(t, postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "other"}), p, 300*time.Millisecond)
	if err := unlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := lockRows(t, p); n != 0 {
		t.Fatalf("%d lock rows after unlock", n)
	}
}

// Four engines upgrade one database at once under one lease locker; every
// revision runs exactly once.
func TestLeaseEngineUpgrade(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	p, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Lease: 600 * time.Millisecond})
	rev := func(id, down, up string) *fstest.MapFile {
		s := "-- migrate:revision " + id + "\n"
		if down != "" {
			s += "-- migrate:down_revision " + down + "\n"
		}
		return &fstest.MapFile{Data: []byte(s + "-- migrate:upgrade\n" + up + "\n")}
	}
	scripts := fstest.MapFS{
		"1.sql": rev("r1", "", "CREATE TABLE runs (rev text NOT NULL);\nINSERT INTO runs VALUES ('r1');"),
		// Longer than the lease: the heartbeat must keep it.
		"2.sql": rev("r2", "r1", "SELECT pg_sleep(1.5);\nINSERT INTO runs VALUES ('r2');"),
		"3.sql": rev("r3", "r2", "INSERT INTO runs VALUES ('r3');"),
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var g errgroup.Group
	for range 4 {
		e, err := engine.Open(ctx, engine.Config{URL: url, Opener: dbopen.Opener{}, Scripts: scripts, Locker: l})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		g.Go(func() error {
			_, err := e.Upgrade(ctx, "head")
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	c := acquire(t, p)
	rows, err := c.Query(ctx, "SELECT rev, count(*) FROM runs GROUP BY rev ORDER BY rev")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			r string
			n int64
		)
		if err := rows.Scan(&r, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("revision %s ran %d times", r, n)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "r1,r2,r3" {
		t.Fatalf("revisions run: %v", got)
	}
}

// A run whose lease changes hands while a revision runs commits nothing
// more: the fence in the revision's transaction finds the lease gone, the
// transaction rolls back, and the error wraps adapter.ErrLockLost and names
// the revision; in per-revision mode what committed before stays.
func TestLeaseFenceRefusesCommitAfterLoss(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode engine.TxMode
		want []string // version rows after the failed run
	}{
		{"per-run", engine.TxPerRun, nil},
		{"per-revision", engine.TxPerRevision, []string{"g1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.URL(t)
			p, err := postgres.Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			exec(t, p, "CREATE TABLE runs (rev text NOT NULL)")
			l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Lease: 10 * time.Second})
			insert := func(id string) func(engine.Conn) error {
				return func(c engine.Conn) error {
					_, err := c.Exec("INSERT INTO runs VALUES ($1)", id)
					return err
				}
			}
			revs := []engine.GoRevision{
				{Revision: revgraph.Revision{ID: "g1"}, Up: insert("g1")},
				{Revision: revgraph.Revision{ID: "g2", Down: []string{"g1"}}, Up: func(c engine.Conn) error {
					// Another process takes the lease over, as after a
					// stall longer than the lease.
					exec(t, p, `UPDATE "migrate_version_lock" SET holder = 'thief', token = 'thief'`)
					return insert("g2")(c)
				}},
				{Revision: revgraph.Revision{ID: "g3", Down: []string{"g2"}}, Up: insert("g3")},
			}
			e, err := dbopen.Engine(t.Context(), engine.Config{URL: url, Scripts: fstest.MapFS{},
				GoRevisions: revs, Locker: l, TxMode: tc.mode})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.Close() })
			if _, err := e.Stamp(t.Context(), "base", false); err != nil { // creates the tables
				t.Fatal(err)
			}
			_, err = e.Upgrade(t.Context(), "head")
			if !errors.Is(err, adapter.ErrLockLost) || !errors.Is(err, postgres.ErrLeaseLost) {
				t.Fatalf("got %v, want adapter.ErrLockLost", err)
			}
			ce, ok := errors.AsType[*engine.CommitError](err)
			if !ok || !slices.ContainsFunc(ce.Revisions, func(a engine.Applied) bool { return a.Revision == "g2" }) {
				t.Fatalf("error %v does not name g2's transaction", err)
			}
			if !strings.Contains(err.Error(), "g2") {
				t.Fatalf("error text %q does not name g2", err)
			}
			c := acquire(t, p)
			var got []string
			for _, q := range []string{"SELECT version_num FROM migrate_version", "SELECT rev FROM runs ORDER BY rev"} {
				rows, err := c.Query(t.Context(), q)
				if err != nil {
					t.Fatal(err)
				}
				var vals []string
				for rows.Next() {
					var v string
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					vals = append(vals, v)
				}
				rows.Close()
				got = append(got, strings.Join(vals, ","))
			}
			if want := strings.Join(tc.want, ","); got[0] != want || got[1] != want {
				t.Fatalf("version rows %q, revisions committed %q; want %q for both", got[0], got[1], want)
			}
		})
	}
}

// An unlock whose migration connection died (the server ended its session)
// releases the lease on a fresh connection: no row is left to block the
// next run for the length of the lease.
func TestLeaseUnlockAfterConnectionLoss(t *testing.T) {
	t.Parallel()
	p := openPool(t)
	l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "doomed", Lease: time.Minute})
	c := acquire(t, p)
	rows, err := c.Query(t.Context(), "SELECT pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	var pid int64
	if !rows.Next() {
		t.Fatal("no pid")
	}
	if err := rows.Scan(&pid); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	unlock, err := l.Lock(t.Context(), c, leaseVT)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, p, "SELECT pg_terminate_backend($1)", pid)
	if err := unlock(t.Context()); err != nil {
		t.Fatalf("unlock after the migration connection died: %v", err)
	}
	if n := lockRows(t, p); n != 0 {
		t.Fatalf("%d lock rows left after unlock", n)
	}
	if err := lockOrFatal(t, postgres.NewLeaseLocker(p, postgres.LeaseOptions{Holder: "next"}), p)(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Behind PgBouncer in transaction pooling mode, replace the session advisory
// lock with a lease row.
func ExampleNewLeaseLocker() {
	ctx := context.Background()
	url := "postgres://app@pgbouncer:6432/app"
	// The locker's own small pool, so that its heartbeat always finds a
	// free connection.
	lockPool, err := postgres.Open(ctx, url)
	if err != nil {
		return
	}
	defer lockPool.Close()
	e, err := engine.Open(ctx, engine.Config{
		URL:    url,
		Opener: dbopen.Opener{},
		Locker: postgres.NewLeaseLocker(lockPool, postgres.LeaseOptions{Lease: time.Minute}),
	})
	if err != nil {
		return
	}
	defer e.Close()
	_, _ = e.Upgrade(ctx, "head")
}
