package engine_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/retort-sql/retort/engine"
)

// slowFS has a fast first revision and a second one that runs the
// database's slow statement.
func slowFS(db *testDB) fstest.MapFS {
	return fstest.MapFS{
		"1.sql": sqlFile("fast1", "", "CREATE TABLE t_fast (id int);", "DROP TABLE t_fast;"),
		"2.sql": sqlFile("slow2", "fast1", "CREATE TABLE t_slow (id int);\n"+db.slow+";", "DROP TABLE t_slow;"),
	}
}

func TestCancelInterruptsRunningRevision(t *testing.T) {
	// Registered first, so it runs after every pool of the test is closed.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	eachTransactionalDB(t, func(t *testing.T, db *testDB) {
		for _, tc := range []struct {
			name string
			mode engine.TxMode
			want error
		}{
			{"cancel/per-run", engine.TxPerRun, context.Canceled},
			{"deadline/per-revision", engine.TxPerRevision, context.DeadlineExceeded},
		} {
			t.Run(tc.name, func(t *testing.T) {
				// The clock starts when fast1 is done, so that the interrupt
				// lands in slow2's slow statement however loaded the machine.
				ctx := newTriggerCtx(t.Context(), tc.want)
				var once sync.Once
				hook := zerolog.HookFunc(func(_ *zerolog.Event, _ zerolog.Level, msg string) {
					if msg == "upgrade" {
						once.Do(func() { time.AfterFunc(200*time.Millisecond, ctx.fire) })
					}
				})
				e := open(t, db, slowFS(db), func(c *engine.Config) {
					c.TxMode = tc.mode
					c.Logger = zerolog.New(io.Discard).Hook(hook)
				})
				start := time.Now()
				res, err := e.Upgrade(ctx, "head")
				elapsed := time.Since(start)
				if !errors.Is(err, tc.want) {
					t.Fatalf("want %v, got %v", tc.want, err)
				}
				if !strings.Contains(err.Error(), "slow2") {
					t.Fatalf("error does not name the running revision: %v", err)
				}
				if elapsed > time.Second+200*time.Millisecond {
					t.Fatalf("Upgrade returned %v after start; want within 1 s of the cancel", elapsed)
				}
				wantRows := []string{}
				if tc.mode == engine.TxPerRevision {
					wantRows = []string{"fast1"}
				}
				if got := db.versionRows(t); !equalRows(got, wantRows) {
					t.Fatalf("version rows %v, want %v", got, wantRows)
				}
				if got := appliedIDs(res); len(got) != len(wantRows) {
					t.Fatalf("result applied %v, want %v", got, wantRows)
				}
				if contains(db.tables(t), "t_slow") {
					t.Fatal("interrupted revision left its table")
				}
				if db.name == "postgres" {
					rows := db.query(t, 1, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()", "%"+pgSlowMarker+"%")
					if n := rows[0][0]; n != int64(0) {
						t.Fatalf("%v backends still run the cancelled statement", n)
					}
				}
				// The lock was released: a fresh run completes.
				lctx, lcancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer lcancel()
				if _, err := e.Downgrade(lctx, "base"); err != nil {
					t.Fatalf("after cancel: %v", err)
				}
			})
		}
	})
}

// triggerCtx is a context that ends, with a chosen error, when fire is
// called: a cancel or a deadline that starts counting at a moment the test
// picks.
type triggerCtx struct {
	context.Context
	once sync.Once
	done chan struct{}
	err  error
	set  atomic.Bool
}

func newTriggerCtx(parent context.Context, err error) *triggerCtx {
	return &triggerCtx{Context: parent, done: make(chan struct{}), err: err}
}

func (c *triggerCtx) fire() {
	c.once.Do(func() {
		c.set.Store(true)
		close(c.done)
	})
}

func (c *triggerCtx) Done() <-chan struct{} { return c.done }

func (c *triggerCtx) Err() error {
	if c.set.Load() {
		return c.err
	}
	return nil
}

func equalRows(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
