package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/engine"
)

// currentEntry is one target of current's fleet report.
type currentEntry struct {
	entryBase
	Current []string `json:"current"`
}

func (a *app) currentFleet(ctx context.Context, cmd *cobra.Command, ff *fleetFlags) error {
	return a.runFleet(ctx, cmd, ff, nil, fleetOp{
		read: func(ctx context.Context, e *engine.Engine) (any, error) { return e.Current(ctx) },
		entry: func(s fleetSpec, r engine.TargetResult, v any) fleetEntry {
			ids, _ := v.([]string)
			return &currentEntry{entryBase: a.baseEntry(s, r), Current: orEmpty(ids)}
		},
		table: func(w io.Writer, rows []fleetEntry, rep *fleetReport, elapsed time.Duration) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tSTATUS\tCURRENT\tDURATION\tERROR")
			for _, row := range rows {
				r := row.(*currentEntry)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Target, r.Status, compactList(r.Current), durationCell(&r.entryBase), r.Error)
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d targets in %s: %s\n", rep.total(), roundDuration(elapsed), rep.countLine(statusOK, statusFailed))
		},
		fail: readFailure,
	})
}

// readFailure fails a read when any target could not be read.
func readFailure(rep *fleetReport) error {
	if n := rep.counts[statusFailed] + rep.counts[statusNotStarted]; n > 0 {
		return fmt.Errorf("%d of %d targets could not be read", n, rep.total())
	}
	return nil
}

// checkEntry is one target of check's fleet report.
type checkEntry struct {
	entryBase
	Current []string `json:"current"`
	Pending []string `json:"pending"`
}

// behindNames is how many targets check's error names.
const behindNames = 10

func (a *app) checkFleet(ctx context.Context, cmd *cobra.Command, ff *fleetFlags) error {
	var mu syncNames
	op := fleetOp{
		read: func(ctx context.Context, e *engine.Engine) (any, error) {
			err := e.Check(ctx)
			return checkValue{err: err, heads: e.Heads()}, err
		},
		entry: func(s fleetSpec, r engine.TargetResult, v any) fleetEntry {
			e := &checkEntry{entryBase: a.baseEntry(s, r), Current: []string{}, Pending: []string{}}
			cv, _ := v.(checkValue)
			var nah *engine.NotAtHeadError
			if errors.As(cv.err, &nah) {
				e.Status, e.Error = statusBehind, ""
				e.Current, e.Pending = orEmpty(nah.Current), orEmpty(nah.Pending)
				mu.add(s.name)
			} else if e.Status == statusOK {
				e.Current = orEmpty(cv.heads)
			} else if e.Status == statusFailed {
				mu.add(s.name)
			}
			return e
		},
		table: func(w io.Writer, rows []fleetEntry, rep *fleetReport, elapsed time.Duration) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tSTATUS\tCURRENT\tPENDING\tERROR")
			for _, row := range rows {
				r := row.(*checkEntry)
				pending := "-"
				if len(r.Pending) > 0 {
					pending = strings.Join(r.Pending, ",")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Target, r.Status, compactList(r.Current), pending, r.Error)
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d targets in %s: %s\n", rep.total(), roundDuration(elapsed), rep.countLine(statusOK, statusBehind, statusFailed))
		},
		fail: func(rep *fleetReport) error {
			behind, failed := rep.counts[statusBehind], rep.counts[statusFailed]+rep.counts[statusNotStarted]
			if behind+failed == 0 {
				return nil
			}
			names := mu.names
			more := ""
			if mu.count > len(names) {
				more = fmt.Sprintf(" and %d more", mu.count-len(names))
			}
			return fmt.Errorf("%d of %d targets are behind, %d failed: %s%s", behind, rep.total(), failed, strings.Join(names, ", "), more)
		},
	}
	return a.runFleet(ctx, cmd, ff, nil, op)
}

// appliedEntry is one target of history --applied's fleet report.
type appliedEntry struct {
	entryBase
	History []appliedJSON `json:"history"`
}

func (a *app) appliedFleet(ctx context.Context, cmd *cobra.Command, ff *fleetFlags) error {
	return a.runFleet(ctx, cmd, ff, nil, fleetOp{
		read: func(ctx context.Context, e *engine.Engine) (any, error) { return e.AppliedHistory(ctx) },
		entry: func(s fleetSpec, r engine.TargetResult, v any) fleetEntry {
			hist, _ := v.([]engine.HistoryEntry)
			e := &appliedEntry{entryBase: a.baseEntry(s, r), History: make([]appliedJSON, len(hist))}
			for i, h := range hist {
				e.History[i] = toAppliedJSON(h)
			}
			return e
		},
		table: func(w io.Writer, rows []fleetEntry, rep *fleetReport, elapsed time.Duration) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TARGET\tSTARTED_AT\tDIRECTION\tREVISION\tSTATUS\tDURATION\tCHECKSUM")
			for _, row := range rows {
				r := row.(*appliedEntry)
				if r.Status != statusOK {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t%s\t-\t%s\n", r.Target, r.Status, r.Error)
					continue
				}
				if len(r.History) == 0 {
					fmt.Fprintf(tw, "%s\t-\t-\t-\tno history\t-\t-\n", r.Target)
				}
				for _, h := range r.History {
					status := h.Status
					if h.Total > 0 && h.Status != "done" {
						status = fmt.Sprintf("%s (%d/%d)", h.Status, h.Done, h.Total)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Target, h.StartedAt.Format(time.RFC3339), h.Direction,
						h.Revision, status, roundDuration(time.Duration(h.DurationMS)*time.Millisecond), dash(shortSum(h.Checksum)))
				}
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d targets in %s: %s\n", rep.total(), roundDuration(elapsed), rep.countLine(statusOK, statusFailed))
		},
		fail: readFailure,
	})
}

func shortSum(s string) string {
	if len(s) > checksumPrefix {
		return s[:checksumPrefix]
	}
	return s
}

// checkValue is what check reads on one target.
type checkValue struct {
	err   error
	heads []string
}

// syncNames collects, up to behindNames, the targets check names in its
// error.
type syncNames struct {
	mu    sync.Mutex
	names []string
	count int
}

func (n *syncNames) add(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.count++
	if len(n.names) < behindNames {
		n.names = append(n.names, name)
	}
}
