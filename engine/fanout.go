package engine

import (
	"context"
	"time"

	"golang.org/x/sync/errgroup"
)

// Target is one database, or one schema of a database, in a fleet upgrade.
type Target struct {
	// Name identifies the target in results and logs (a redacted URL, a
	// schema name). It must not contain a password.
	Name string
	// Config opens the target's engine.
	Config Config
}

// FanOutOptions tunes [UpgradeAll].
type FanOutOptions struct {
	// Concurrency bounds how many targets run at once; 0 or less means 4.
	Concurrency int
	// ContinueOnError keeps upgrading the other targets after one fails.
	// By default the first failure cancels the targets in flight and starts
	// no new ones.
	ContinueOnError bool
	// OnStart, if set, is called when target i starts; OnDone when it
	// ends, with its result (also for a target never started). Both are
	// called from the target's goroutine, concurrently for different
	// targets; they must be safe for that and must not block long.
	OnStart func(i int)
	OnDone  func(i int, r TargetResult)
}

// TargetResult is the outcome for one target. Err is context.Canceled for a
// target that was never started because the run was cancelled.
type TargetResult struct {
	Name     string
	Result   *Result
	Err      error
	Duration time.Duration
	// Started reports whether the target ran at all; one never started has
	// Err set to the context's error.
	Started bool
}

// UpgradeAll upgrades every target to target (for example "head")
// concurrently, at most opts.Concurrency at a time, and returns one result
// per target in the order given. Cancelling ctx rolls back the targets in
// flight and starts no new ones. Each target has its own engine, opened and
// closed here.
func UpgradeAll(ctx context.Context, targets []Target, target string, opts FanOutOptions) []TargetResult {
	limit := opts.Concurrency
	if limit <= 0 {
		limit = 4
	}
	results := make([]TargetResult, len(targets))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var g errgroup.Group
	g.SetLimit(limit)
	for i := range targets {
		results[i].Name = targets[i].Name
		g.Go(func() error {
			r := &results[i]
			if opts.OnDone != nil {
				defer func() { opts.OnDone(i, *r) }()
			}
			if err := runCtx.Err(); err != nil {
				r.Err = err
				return nil
			}
			r.Started = true
			if opts.OnStart != nil {
				opts.OnStart(i)
			}
			start := time.Now()
			r.Result, r.Err = upgradeOne(runCtx, targets[i].Config, target)
			r.Duration = time.Since(start)
			if r.Err != nil && !opts.ContinueOnError {
				cancel()
			}
			return nil
		})
	}
	_ = g.Wait()
	return results
}

func upgradeOne(ctx context.Context, cfg Config, target string) (*Result, error) {
	e, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer e.Close()
	return e.Upgrade(ctx, target)
}
