package adapter

import (
	"context"
	"math/rand/v2"
	"time"
)

// Lock polling, shared by every lock that is taken by trying again (a
// PostgreSQL advisory or lease lock, a SQLite lock file): the first retry
// after LockPollMin, doubling up to LockPollMax, each delay jittered to
// between half and all of its value; a wait report every LockReportEvery.
const (
	LockPollMin     = 10 * time.Millisecond
	LockPollMax     = time.Second
	LockReportEvery = 5 * time.Second
)

// LockPoll describes one lock to wait for with [PollLock].
type LockPoll struct {
	// Kind, Table and On name the lock in the [LockWaitError] returned
	// when the caller's context ends first.
	Kind, Table, On string
	// Try makes one attempt and reports whether the lock is now held. An
	// error ends the wait and is returned as it is.
	Try func(ctx context.Context) (bool, error)
	// Holder names the current holder for the wait report; nil reports
	// "another holder of " + On (or of Table).
	Holder func(ctx context.Context) string
}

// PollLock calls p.Try until it succeeds, fails, or ctx ends, sleeping with
// backoff and jitter between attempts, and calls the [LockWaitFunc] carried
// by ctx, if any, every LockReportEvery with the holder and the time waited.
// When ctx ends first it returns a *[LockWaitError] wrapping ctx.Err().
func PollLock(ctx context.Context, p LockPoll) error {
	start := time.Now()
	nextReport := start.Add(LockReportEvery)
	delay := LockPollMin
	for {
		ok, err := p.Try(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if report := LockWaitFromContext(ctx); report != nil && !time.Now().Before(nextReport) {
			report(p.holder(ctx), time.Since(start))
			nextReport = nextReport.Add(LockReportEvery)
		}
		sleep := delay/2 + rand.N(delay/2+1)
		if until := time.Until(nextReport); LockWaitFromContext(ctx) != nil && until < sleep {
			// Wake for the report on time rather than up to a second late.
			sleep = max(until, 0)
		}
		timer := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if err := ctx.Err(); err != nil {
			return &LockWaitError{Kind: p.Kind, Table: p.Table, On: p.On, Waited: time.Since(start), Err: err}
		}
		delay = min(delay*2, LockPollMax)
	}
}

func (p LockPoll) holder(ctx context.Context) string {
	if p.Holder != nil {
		return p.Holder(ctx)
	}
	if p.On != "" {
		return "another holder of " + p.On
	}
	return "another holder of the lock on " + p.Table
}
