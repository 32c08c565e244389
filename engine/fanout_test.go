package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
)

func fleet(t *testing.T, n, failAt int) []engine.Target {
	t.Helper()
	dir := t.TempDir()
	targets := make([]engine.Target, n)
	for i := range targets {
		fs := linear()
		if i == failAt {
			fs = fstest.MapFS{"1.sql": sqlFile("a1", "", "CREATE TABLE t (id int);\nSELECT * FROM missing_table;", "")}
		}
		targets[i] = engine.Target{
			Name:   fmt.Sprintf("tenant%d", i),
			Config: engine.Config{URL: "sqlite:" + filepath.Join(dir, fmt.Sprintf("t%d.db", i)), Scripts: fs, Opener: dbopen.Opener{}},
		}
	}
	return targets
}

func TestUpgradeAll(t *testing.T) {
	for _, tc := range []struct {
		name            string
		continueOnError bool
		wantOK          int
		wantNotStarted  int
	}{
		{"fail-fast", false, 2, 3},
		{"continue-on-error", true, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var started, done atomic.Int64
			res := engine.UpgradeAll(t.Context(), fleet(t, 6, 2), "head", engine.FanOutOptions{
				Concurrency:     1,
				ContinueOnError: tc.continueOnError,
				OnStart:         func(int) { started.Add(1) },
				OnDone:          func(int, engine.TargetResult) { done.Add(1) },
			})
			ok, notStarted := 0, 0
			for i, r := range res {
				if r.Name != fmt.Sprintf("tenant%d", i) {
					t.Fatalf("result %d is %s", i, r.Name)
				}
				switch {
				case r.Err == nil:
					ok++
					if len(r.Result.Applied) != 3 {
						t.Errorf("%s applied %d", r.Name, len(r.Result.Applied))
					}
				case !r.Started:
					notStarted++
					if !errors.Is(r.Err, context.Canceled) {
						t.Errorf("%s: %v", r.Name, r.Err)
					}
				default:
					var re *engine.RevisionError
					if i != 2 || !errors.As(r.Err, &re) {
						t.Errorf("%s: %v", r.Name, r.Err)
					}
				}
			}
			if ok != tc.wantOK || notStarted != tc.wantNotStarted {
				t.Fatalf("ok %d, not started %d; want %d, %d", ok, notStarted, tc.wantOK, tc.wantNotStarted)
			}
			if done.Load() != 6 || started.Load() != int64(6-notStarted) {
				t.Fatalf("callbacks: started %d, done %d", started.Load(), done.Load())
			}
		})
	}
}

func TestUpgradeAllCancelledStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, r := range engine.UpgradeAll(ctx, fleet(t, 4, -1), "head", engine.FanOutOptions{Concurrency: 2}) {
		if r.Started || !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("%s: started %v, err %v", r.Name, r.Started, r.Err)
		}
	}
}
