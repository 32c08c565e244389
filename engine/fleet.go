package engine

import (
	"context"
	"iter"

	"github.com/retort-sql/retort/revgraph"
)

// Fleet runs one set of scripts on many targets: [NewFleet] loads the
// scripts and builds the graph once, and every target's engine shares them,
// so a fleet of thousands of tenants reads its scripts once. Targets stream
// through an iterator and are opened only while they run. A Fleet is
// immutable and safe for concurrent use.
type Fleet struct {
	cat *catalog
}

// NewFleet loads the scripts and Go revisions that cfg names (Scripts,
// ScriptDir, GoRevisions) and builds the revision graph. Every problem is
// reported here, before any target is opened; no database is touched.
func NewFleet(cfg Config) (*Fleet, error) {
	cat, err := loadCatalog(&cfg, false)
	if err != nil {
		return nil, err
	}
	return &Fleet{cat: cat}, nil
}

// Graph returns the revision graph the targets share.
func (f *Fleet) Graph() *revgraph.Graph { return f.cat.graph }

// Open opens the engine of one target. cfg says where the target is and
// how to run on it (URL or Pool, Schema, VersionTable, HistoryTable,
// Locker, TxMode, AllowDrift, Resume, Logger); its Scripts, ScriptDir and
// GoRevisions are ignored, the fleet's being used. Close the engine when
// done: it closes only a pool it opened itself.
func (f *Fleet) Open(ctx context.Context, cfg Config) (*Engine, error) {
	return openWith(ctx, cfg, f.cat)
}

// Upgrade upgrades every target that targets yields to target, at most
// opts.Concurrency at a time, reporting each through opts.OnDone, and
// returns the counts. Targets are read from the iterator as slots free up
// and nothing of a finished target is kept, so memory does not grow with
// the fleet. Cancelling ctx, or the first failure unless
// opts.ContinueOnError, rolls back the targets in flight and starts no new
// ones. Targets whose Config.Schema is a system schema are skipped.
func (f *Fleet) Upgrade(ctx context.Context, targets iter.Seq[Target], target string, opts FanOutOptions) FanOutSummary {
	return fanOut(ctx, targets, opts, func(ctx context.Context, _ int, t Target) (*Result, error) {
		e, err := f.Open(ctx, t.Config)
		if err != nil {
			return nil, err
		}
		defer e.Close()
		return e.Upgrade(ctx, target)
	})
}

// Each opens the engine of every target that targets yields and calls fn
// with it, at most opts.Concurrency at a time, as [Fleet.Upgrade] does; fn
// reads what it needs (Current, Check, AppliedHistory) and keeps it, keyed
// by i, the target's position in the iteration. fn's error is the target's
// result; a failure cancels the others only without
// opts.ContinueOnError. The TargetResult given to opts.OnDone has no
// Result.
func (f *Fleet) Each(ctx context.Context, targets iter.Seq[Target], opts FanOutOptions, fn func(ctx context.Context, i int, e *Engine) error) FanOutSummary {
	return fanOut(ctx, targets, opts, func(ctx context.Context, i int, t Target) (*Result, error) {
		e, err := f.Open(ctx, t.Config)
		if err != nil {
			return nil, err
		}
		defer e.Close()
		return nil, fn(ctx, i, e)
	})
}
