package engine

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Target is one database, or one schema of a database, in a fleet upgrade.
type Target struct {
	// Name identifies the target in results and logs (a redacted URL, a
	// schema name) and assigns it to a [Shard]. It must not contain a
	// password.
	Name string
	// Config opens the target's engine. For a schema of a database shared
	// with other targets, set Config.Pool to the shared pool and
	// Config.Schema to the schema.
	Config Config
}

// FanOutOptions tunes [UpgradeAll] and the [Fleet] methods.
type FanOutOptions struct {
	// Concurrency bounds how many targets run at once; 0 or less means 4.
	Concurrency int
	// ContinueOnError keeps upgrading the other targets after one fails.
	// By default the first failure cancels the targets in flight and starts
	// no new ones.
	ContinueOnError bool
	// OnStart, if set, is called when target i starts; OnDone when it
	// ends, with its result (also for a target never started or skipped).
	// Both are called from the target's goroutine, concurrently for
	// different targets; they must be safe for that and must not block
	// long. i counts the targets in the order they were given.
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
	// Skipped reports a target that is never run: a system schema. Err
	// then wraps [ErrSystemSchema]; it does not make the fleet fail.
	Skipped bool
}

// FanOutSummary counts the outcomes of a fan-out.
type FanOutSummary struct {
	Targets    int
	OK         int
	Failed     int
	NotStarted int
	Skipped    int
	Duration   time.Duration
}

// Err returns nil when every target that was not skipped succeeded, and
// otherwise an error that counts the failures.
func (s FanOutSummary) Err() error {
	if s.Failed+s.NotStarted == 0 {
		return nil
	}
	return &FleetError{Summary: s}
}

// FleetError reports a fan-out in which some targets failed or were never
// started.
type FleetError struct{ Summary FanOutSummary }

func (e *FleetError) Error() string {
	s := e.Summary
	msg := strconv.Itoa(s.Failed) + " of " + strconv.Itoa(s.Targets) + " targets failed"
	if s.NotStarted > 0 {
		msg += ", " + strconv.Itoa(s.NotStarted) + " not started"
	}
	return msg
}

// UpgradeAll upgrades every target to target (for example "head")
// concurrently, at most opts.Concurrency at a time, and returns one result
// per target in the order given. Cancelling ctx rolls back the targets in
// flight and starts no new ones. Each target has its own engine, opened and
// closed here, which loads the target's own scripts; [Fleet.Upgrade] loads
// one set of scripts for all and streams the targets instead.
func UpgradeAll(ctx context.Context, targets []Target, target string, opts FanOutOptions) []TargetResult {
	results := make([]TargetResult, len(targets))
	done := opts.OnDone
	opts.OnDone = func(i int, r TargetResult) {
		results[i] = r
		if done != nil {
			done(i, r)
		}
	}
	fanOut(ctx, slices.Values(targets), opts, func(ctx context.Context, _ int, t Target) (*Result, error) {
		e, err := Open(ctx, t.Config)
		if err != nil {
			return nil, err
		}
		defer e.Close()
		return e.Upgrade(ctx, target)
	})
	return results
}

// fanOut runs run for each target that targets yields, at most
// opts.Concurrency at a time. The next target is read only when a slot is
// free, so a fleet of any size holds only the targets in flight; nothing of
// a finished target is kept beyond the summary's counts.
func fanOut(ctx context.Context, targets iter.Seq[Target], opts FanOutOptions, run func(context.Context, int, Target) (*Result, error)) FanOutSummary {
	limit := opts.Concurrency
	if limit <= 0 {
		limit = 4
	}
	start := time.Now()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		g   errgroup.Group
		mu  sync.Mutex
		sum FanOutSummary
	)
	g.SetLimit(limit)
	i := 0
	for t := range targets {
		idx := i
		i++
		g.Go(func() error {
			r := TargetResult{Name: t.Name}
			defer func() {
				mu.Lock()
				sum.count(r)
				mu.Unlock()
				if opts.OnDone != nil {
					opts.OnDone(idx, r)
				}
			}()
			if systemSchema(t.Config) {
				r.Skipped, r.Err = true, ErrSystemSchema
				return nil
			}
			if err := runCtx.Err(); err != nil {
				r.Err = err
				return nil
			}
			r.Started = true
			if opts.OnStart != nil {
				opts.OnStart(idx)
			}
			begin := time.Now()
			r.Result, r.Err = run(runCtx, idx, t)
			r.Duration = time.Since(begin)
			if errors.Is(r.Err, ErrSystemSchema) {
				r.Skipped = true
				return nil
			}
			if r.Err != nil && !opts.ContinueOnError {
				cancel()
			}
			return nil
		})
	}
	_ = g.Wait()
	sum.Duration = time.Since(start)
	return sum
}

func (s *FanOutSummary) count(r TargetResult) {
	s.Targets++
	switch {
	case r.Skipped:
		s.Skipped++
	case !r.Started:
		s.NotStarted++
	case r.Err != nil:
		s.Failed++
	default:
		s.OK++
	}
}
