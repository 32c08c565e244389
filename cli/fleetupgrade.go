package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/engine"
)

// fleetOp is what a fleet command does on each target.
type fleetOp struct {
	// upgrade is the target revision of upgrade; empty for the reads.
	upgrade string
	// read is the work of a read on one target; its value goes to entry.
	read func(ctx context.Context, e *engine.Engine) (any, error)
	// entry builds the target's report line.
	entry func(s fleetSpec, r engine.TargetResult, value any) fleetEntry
	// table prints the table form.
	table func(w io.Writer, rows []fleetEntry, rep *fleetReport, elapsed time.Duration)
	// fail returns the command's error from the report, nil for success.
	fail func(rep *fleetReport) error
}

// runFleet runs op on every target of the fleet flags, at most
// --concurrency at a time, and prints the report.
func (a *app) runFleet(ctx context.Context, cmd *cobra.Command, ff *fleetFlags, edit func(*engine.Config), op fleetOp) error {
	f, err := a.openFleet(ctx, ff)
	if err != nil {
		return err
	}
	if edit != nil {
		edit(&f.base)
	}
	a.log.Info().Int("targets", len(f.specs)).Int("concurrency", ff.concurrency).Str("shard", f.shard.String()).
		Bool("continue_on_error", ff.continueOnError).Str("command", cmd.Name()).Msg("running on fleet")
	rep := newFleetReport(cmd.OutOrStdout(), ff, len(f.specs))
	// order maps a running target's position to its place in the listing;
	// skipped targets are reported at once.
	var order []int
	for i, s := range f.specs {
		if s.skip != "" {
			rep.add(i, op.entry(s, engine.TargetResult{Name: s.name, Skipped: true, Err: engine.ErrSystemSchema}, nil))
			continue
		}
		order = append(order, i)
	}
	var prog *progress
	if op.upgrade != "" && a.terminal(a.opts.Stderr) {
		prog = newProgress(a.stderr, len(order))
		// Per-revision log lines would tear the progress line apart.
		a.log = a.log.Level(max(a.log.GetLevel(), zerolog.WarnLevel))
	}
	var values syncMap
	opts := engine.FanOutOptions{
		Concurrency:     ff.concurrency,
		ContinueOnError: ff.continueOnError || op.upgrade == "",
		OnStart:         func(int) { prog.begin() },
		OnDone: func(i int, r engine.TargetResult) {
			if r.Started {
				prog.finish(r.Err == nil)
			} else {
				prog.skip()
			}
			s := f.specs[order[i]]
			var v any
			if op.read == nil {
				v = r.Result
			} else {
				v = values.take(i)
			}
			rep.add(order[i], op.entry(s, r, v))
		},
	}
	start := time.Now()
	targets := f.targets(a)
	if op.read == nil {
		f.scripts.Upgrade(ctx, targets, op.upgrade, opts)
	} else {
		f.scripts.Each(ctx, targets, opts, func(ctx context.Context, i int, e *engine.Engine) error {
			v, err := op.read(ctx, e)
			values.put(i, v)
			return err
		})
	}
	elapsed := time.Since(start)
	prog.stop()
	if err := rep.finish(*ff.asJSON, elapsed, func(w io.Writer, rows []fleetEntry) { op.table(w, rows, rep, elapsed) }); err != nil {
		return err
	}
	return op.fail(rep)
}

// upgradeEntry is one target of upgrade's report.
type upgradeEntry struct {
	entryBase
	From      []string `json:"from"`
	To        []string `json:"to"`
	Applied   int      `json:"applied"`
	Revisions []string `json:"revisions"`
}

// upgradeFleet upgrades every target of the fleet flags and prints the
// summary. It fails unless every target succeeded or was skipped.
func (a *app) upgradeFleet(ctx context.Context, cmd *cobra.Command, target string, rf *runFlags, ff *fleetFlags) error {
	return a.runFleet(ctx, cmd, ff, func(c *engine.Config) { c.AllowDrift, c.Resume = rf.allowDrift, rf.resume }, fleetOp{
		upgrade: target,
		entry: func(s fleetSpec, r engine.TargetResult, v any) fleetEntry {
			e := &upgradeEntry{entryBase: a.baseEntry(s, r), From: []string{}, To: []string{}, Revisions: []string{}}
			if res, _ := v.(*engine.Result); res != nil {
				e.From, e.To = orEmpty(res.From), orEmpty(res.To)
				for _, ap := range res.Applied {
					e.Revisions = append(e.Revisions, ap.Revision)
				}
				e.Applied = len(res.Applied)
			}
			return e
		},
		table: func(w io.Writer, rows []fleetEntry, rep *fleetReport, elapsed time.Duration) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tSTATUS\tFROM\tTO\tAPPLIED\tDURATION\tERROR")
			for _, row := range rows {
				r := row.(*upgradeEntry)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Target, r.Status,
					compactList(r.From), compactList(r.To), r.Applied, durationCell(&r.entryBase), r.Error)
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d targets in %s: %s\n", rep.total(), roundDuration(elapsed),
				rep.countLine(statusOK, statusFailed, statusNotStarted))
		},
		fail: func(rep *fleetReport) error {
			failed, skipped := rep.counts[statusFailed], rep.counts[statusNotStarted]
			if failed+skipped == 0 {
				return nil
			}
			if skipped > 0 {
				return fmt.Errorf("%d of %d targets failed, %d not started", failed, rep.total(), skipped)
			}
			return fmt.Errorf("%d of %d targets failed", failed, rep.total())
		},
	})
}

func durationCell(b *entryBase) string {
	if b.Status == statusNotStarted || b.Status == statusSkipped {
		return "-"
	}
	return roundDuration(b.duration).String()
}
