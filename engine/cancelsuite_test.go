package engine_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"go.uber.org/goleak"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/engine"
)

// TestCancelSuite cancels the context of an upgrade of a 20-revision graph
// at random moments, on SQLite, PostgreSQL and MySQL and in both
// transaction modes. After each cancel: no revision is half applied (in
// TxPerRun mode nothing or everything is) except, on MySQL, the one
// interrupted statement by statement, whose record says exactly how far it
// got; the Result says what was committed, the migration lock
// is free at once, a second engine applies the next revision within 2 s,
// and the engine leaves no session open after Close. At the end no
// goroutine is left behind.
func TestCancelSuite(t *testing.T) {
	// Registered first, so it runs after every pool of the test is closed.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	perMode := 25
	if stressMode() {
		perMode = 500
	}
	seed := suiteSeed(t)
	left := 6 // databases × transaction modes
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			g := relGraph{n: 20}
			perMode := perMode
			if name == "mysql" {
				// MySQL commits DDL at once: every revision runs statement
				// by statement (see TestCrash), and its DDL makes each run
				// slower, so fewer rounds.
				g.implicit, g.noTx = true, map[int]bool{}
				for i := 1; i <= g.n; i++ {
					g.noTx[i] = true
				}
				perMode = max(perMode/3, 8)
			}
			rdb := newRelDB(t, name, "retort_cancel")
			fsys := g.files(relSlow(name))
			for _, mode := range []engine.TxMode{engine.TxPerRun, engine.TxPerRevision} {
				left--
				stop := modeStop(t, left+1)
				t.Run(modeName(mode), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, uint64(len(name))*10+uint64(mode)))
					cancelSuite(t, g, rdb, fsys, mode, perMode, rng, stop)
				})
			}
		})
	}
}

func cancelSuite(t *testing.T, g relGraph, rdb *relDB, fsys fstest.MapFS, mode engine.TxMode, cancels int, rng *rand.Rand, stop time.Time) {
	// Full runs first, to know how long an upgrade takes here: the fastest
	// of three.
	var full time.Duration
	for range 3 {
		db := rdb.fresh(t)
		e := openRel(t, db.url, fsys, mode, false)
		start := time.Now()
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); full == 0 || d < full {
			full = d
		}
		_ = e.Close()
	}
	t.Logf("full upgrade of %d revisions: %v", g.n, full.Round(time.Millisecond))

	landed, finished, partial, none, all := 0, 0, 0, 0, 0
	for iter := 0; landed < cancels; iter++ {
		if stopEarly(t, stop, landed, cancels, "cancels") {
			break
		}
		if iter > 3*cancels {
			t.Fatalf("only %d of %d cancels landed in %d runs", landed, cancels, iter)
		}
		// Mostly anywhere in the run; one in ten in its first 2 ms, where
		// the connection, the lock and the tables are set up.
		limit := full + full/10
		if rng.IntN(10) == 0 {
			limit = 2 * time.Millisecond
		}
		delay := time.Duration(rng.Int64N(int64(limit)))
		db := rdb.fresh(t)
		res, err := cancelOnce(t, db.url, fsys, mode, delay)
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("iteration %d (cancel after %v): want context.Canceled, got %v", iter, delay, err)
			}
			landed++
		} else {
			finished++
		}
		rdb.waitBackendsGone(t, 2*time.Second)

		o := observe(t, db)
		k, run, verr := g.verify(o)
		switch {
		case verr != nil:
			t.Fatalf("iteration %d (cancel after %v, %v): %v\n%v", iter, delay, err, verr, o)
		case run != nil && !g.implicit:
			t.Fatalf("iteration %d: running section %v", iter, run)
		case err == nil && k != g.n:
			t.Fatalf("iteration %d: upgrade returned nil at %d of %d", iter, k, g.n)
		case mode == engine.TxPerRun && k != 0 && k != g.n && !g.implicit:
			t.Fatalf("iteration %d (cancel after %v): one transaction per run left %d of %d revisions", iter, delay, k, g.n)
		}
		switch k {
		case 0:
			none++
		case g.n:
			all++
		default:
			partial++
		}
		if res != nil {
			if !slices.Equal(nonNilRows(res.To), nonNilRows(o.rows)) || len(res.Applied) != k {
				t.Fatalf("iteration %d (cancel after %v): result says to %v with %d applied, database has %v: %v",
					iter, delay, res.To, len(res.Applied), o.rows, err)
			}
		}
		lockIsFree(t, db, iter)

		// A second engine gets the lock at once and applies the next
		// revision.
		if k < g.n {
			second := openRel(t, db.url, fsys, mode, run != nil)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			_, err = second.Upgrade(ctx, "+1")
			cancel()
			_ = second.Close()
			if err != nil {
				t.Fatalf("iteration %d: second engine after the cancel at %d: %v", iter, k, err)
			}
			if k2, run, err := g.verify(observe(t, db)); err != nil || k2 != k+1 || run != nil {
				t.Fatalf("iteration %d: second engine from %d reached %d: %v", iter, k, k2, err)
			}
		}
		rdb.waitBackendsGone(t, 2*time.Second)
	}
	t.Logf("%d cancels landed (%d left nothing, %d everything, %d some revisions), %d runs finished first; 0 losses",
		landed, none, all, partial, finished)
}

// cancelOnce runs one upgrade whose context is cancelled after delay, on an
// engine closed before it returns.
func cancelOnce(t *testing.T, url string, fsys fstest.MapFS, mode engine.TxMode, delay time.Duration) (*engine.Result, error) {
	t.Helper()
	e := openRel(t, url, fsys, mode, false)
	defer e.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	timer := time.AfterFunc(delay, cancel)
	defer timer.Stop()
	return e.Upgrade(ctx, "head")
}

// lockIsFree takes and releases the migration lock from outside the engine
// within 200 ms.
func lockIsFree(t *testing.T, db *testDB, iter int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	c, err := db.inspect.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	unlock, err := db.inspect.Dialect().Lock(ctx, c, adapter.Ident{Name: engine.DefaultVersionTable})
	if err != nil {
		t.Fatalf("iteration %d: migration lock not free after the cancel: %v", iter, err)
	}
	if err := unlock(context.WithoutCancel(ctx)); err != nil {
		t.Fatal(err)
	}
}

func nonNilRows(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
