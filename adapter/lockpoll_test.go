package adapter_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/retort-sql/retort/adapter"
)

func TestPollLockReportsAndGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reports []time.Duration
		ctx := adapter.WithLockWait(t.Context(), func(holder string, waited time.Duration) {
			if holder != "pid 7" {
				t.Errorf("holder %q", holder)
			}
			reports = append(reports, waited)
		})
		ctx, cancel := context.WithTimeout(ctx, 12*time.Second)
		defer cancel()
		tries := 0
		err := adapter.PollLock(ctx, adapter.LockPoll{
			Table:  "public.migrate_version",
			Try:    func(context.Context) (bool, error) { tries++; return false, nil },
			Holder: func(context.Context) string { return "pid 7" },
		})
		lw, ok := errors.AsType[*adapter.LockWaitError](err)
		if !ok || !errors.Is(err, context.DeadlineExceeded) || lw.Waited != 12*time.Second {
			t.Fatalf("got %v, want a LockWaitError after 12s wrapping DeadlineExceeded", err)
		}
		if len(reports) != 2 || reports[0] < 5*time.Second || reports[1] < 10*time.Second {
			t.Errorf("reports at %v, want two, after 5s and 10s", reports)
		}
		// Backoff: 10 ms doubling to 1 s leaves about 17 tries in 12 s, not
		// a busy loop.
		if tries < 10 || tries > 25 {
			t.Errorf("%d tries in 12 s", tries)
		}
		if got := lw.Error(); got != "lock public.migrate_version: waited 12s: context deadline exceeded" {
			t.Errorf("message %q", got)
		}
	})
}

func TestPollLockStopsOnSuccessAndOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := 0
		err := adapter.PollLock(t.Context(), adapter.LockPoll{Table: "v", Try: func(context.Context) (bool, error) {
			n++
			return n == 3, nil
		}})
		if err != nil || n != 3 {
			t.Fatalf("got %v after %d tries, want success on the third", err, n)
		}
		boom := errors.New("boom")
		err = adapter.PollLock(t.Context(), adapter.LockPoll{Table: "v", Try: func(context.Context) (bool, error) { return false, boom }})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the Try error", err)
		}
	})
}
