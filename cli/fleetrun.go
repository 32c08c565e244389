package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/retort-sql/retort/engine"
)

// upgradeAll runs engine.UpgradeAll, feeding the progress line (which may
// be nil) from its callbacks.
func upgradeAll(ctx context.Context, targets []fleetTarget, target string, limit int, continueOnError bool, prog *progress) []engine.TargetResult {
	ts := make([]engine.Target, len(targets))
	for i, t := range targets {
		ts[i] = engine.Target{Name: t.Name, Config: t.Config}
	}
	return engine.UpgradeAll(ctx, ts, target, engine.FanOutOptions{
		Concurrency:     limit,
		ContinueOnError: continueOnError,
		OnStart:         func(int) { prog.begin() },
		OnDone: func(_ int, r engine.TargetResult) {
			if r.Started {
				prog.finish(r.Err == nil)
			} else {
				prog.skip()
			}
		},
	})
}

// progress draws one status line, rewritten in place, on a terminal.
type progress struct {
	w                     io.Writer
	total                 int
	start                 time.Time
	running, done, failed atomic.Int64
	skipped               atomic.Int64
	quit                  chan struct{}
	wg                    sync.WaitGroup
	now                   func() time.Time
	lastLen               int
}

const progressEvery = 200 * time.Millisecond

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now(), quit: make(chan struct{}), now: time.Now}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) begin() {
	if p != nil {
		p.running.Add(1)
	}
}

// finish records the end of a started target.
func (p *progress) finish(ok bool) {
	if p == nil {
		return
	}
	p.running.Add(-1)
	if ok {
		p.done.Add(1)
	} else {
		p.failed.Add(1)
	}
}

// skip records a target that was never started.
func (p *progress) skip() {
	if p != nil {
		p.skipped.Add(1)
	}
}

// stop ends the line with the final counts.
func (p *progress) stop() {
	if p == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.draw()
	fmt.Fprintln(p.w)
}

func (p *progress) draw() {
	line := p.line(p.now().Sub(p.start))
	fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(0, p.lastLen-len(line))))
	p.lastLen = len(line)
}

// line renders "[12/200] 10 done, 2 failed, 8 running, 3.1/s, ETA 58s".
func (p *progress) line(elapsed time.Duration) string {
	done, failed, running, skipped := p.done.Load(), p.failed.Load(), p.running.Load(), p.skipped.Load()
	finished := done + failed
	s := fmt.Sprintf("[%d/%d] %d done, %d failed, %d running", finished, p.total, done, failed, running)
	if skipped > 0 {
		s += fmt.Sprintf(", %d not started", skipped)
	}
	if elapsed <= 0 || finished == 0 {
		return s
	}
	rate := float64(finished) / elapsed.Seconds()
	s += fmt.Sprintf(", %.1f/s", rate)
	if left := int64(p.total) - finished - skipped; left > 0 {
		eta := time.Duration(float64(left) / rate * float64(time.Second))
		s += ", ETA " + eta.Round(time.Second).String()
	}
	return s
}

// Target statuses of the summary.
const (
	statusOK         = "ok"
	statusFailed     = "failed"
	statusNotStarted = "not started"
	statusSkipped    = "skipped"
)

// fleetRow is one target in the summary table and in --json.
type fleetRow struct {
	Target     string   `json:"target"`
	Status     string   `json:"status"`
	From       []string `json:"from"`
	To         []string `json:"to"`
	Applied    int      `json:"applied"`
	Revisions  []string `json:"revisions"`
	DurationMS int64    `json:"duration_ms"`
	Error      string   `json:"error,omitempty"`
	duration   time.Duration
}

func (a *app) fleetRow(t fleetTarget, r engine.TargetResult) fleetRow {
	row := fleetRow{Target: r.Name, Status: statusOK, From: []string{}, To: []string{}, Revisions: []string{},
		DurationMS: r.Duration.Milliseconds(), duration: r.Duration}
	if res := r.Result; res != nil {
		row.From, row.To = orEmpty(res.From), orEmpty(res.To)
		for _, ap := range res.Applied {
			row.Revisions = append(row.Revisions, ap.Revision)
		}
		row.Applied = len(res.Applied)
	}
	switch {
	case r.Err == nil:
	case !r.Started && errors.Is(r.Err, context.Canceled):
		row.Status, row.Error = statusNotStarted, "not started: an earlier target failed or the run was cancelled"
	default:
		row.Status = statusFailed
		row.Error = oneLine(redactURL(a.redact(a.withHint(r.Err)), t.url))
	}
	return row
}

// writeFleetTable prints the per-target summary and a total line.
func writeFleetTable(w io.Writer, rows []fleetRow, elapsed time.Duration) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tSTATUS\tFROM\tTO\tAPPLIED\tDURATION\tERROR")
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Status]++
		dur := "-"
		if r.Status != statusNotStarted && r.Status != statusSkipped {
			dur = roundDuration(r.duration).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Target, r.Status,
			compactList(r.From), compactList(r.To), r.Applied, dur, r.Error)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d targets in %s: %d ok, %d failed, %d not started", len(rows),
		roundDuration(elapsed), counts[statusOK], counts[statusFailed], counts[statusNotStarted])
	if n := counts[statusSkipped]; n > 0 {
		fmt.Fprintf(w, ", %d skipped", n)
	}
	fmt.Fprintln(w)
}

// compactList is revList without spaces, so that it stays one table cell.
func compactList(ids []string) string {
	if len(ids) == 0 {
		return "<base>"
	}
	return strings.Join(ids, ",")
}
