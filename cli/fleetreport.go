package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/retort-sql/retort/engine"
)

// Target statuses of a fleet report.
const (
	statusOK         = "ok"
	statusFailed     = "failed"
	statusNotStarted = "not started"
	statusSkipped    = "skipped"
	statusBehind     = "behind"
)

// notStartedError is the error column of a target never started.
const notStartedError = "not started: an earlier target failed or the run was cancelled"

// entryBase is what every fleet report line has.
type entryBase struct {
	Target     string `json:"target"`
	Status     string `json:"status"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
	duration   time.Duration
}

func (b *entryBase) base() *entryBase { return b }

// fleetEntry is one target's line in a fleet report.
type fleetEntry interface{ base() *entryBase }

// baseEntry fills the common part of a target's line from its result: a
// failure's message is one line, with its hint, its password redacted.
func (a *app) baseEntry(s fleetSpec, r engine.TargetResult) entryBase {
	b := entryBase{Target: s.name, Status: statusOK, DurationMS: r.Duration.Milliseconds(), duration: r.Duration}
	switch {
	case r.Skipped:
		b.Status, b.Error = statusSkipped, skipSystemSchema
	case r.Err == nil:
	case !r.Started && errors.Is(r.Err, context.Canceled):
		b.Status, b.Error = statusNotStarted, notStartedError
	default:
		b.Status = statusFailed
		b.Error = oneLine(redactURL(a.redact(a.withHintFrom(r.Err, firstNonEmpty(s.origin, a.set.URLSource))), s.url))
	}
	return b
}

// slowestKept is how many of the slowest targets the summary names.
const slowestKept = 5

type slowTarget struct {
	Target     string `json:"target"`
	DurationMS int64  `json:"duration_ms"`
	d          time.Duration
}

// fleetReport collects a fleet's lines. With --json-lines each line is
// written as its target finishes and only the counts and the slowest
// targets are kept; the table and --json keep one line per target (a few
// hundred bytes) to print them in the order listed at the end.
type fleetReport struct {
	w      io.Writer
	stream bool
	mu     sync.Mutex
	rows   []fleetEntry
	counts map[string]int
	slow   []slowTarget
	err    error
}

func newFleetReport(w io.Writer, ff *fleetFlags, n int) *fleetReport {
	r := &fleetReport{w: w, stream: ff.jsonLines, counts: map[string]int{}}
	if !r.stream {
		r.rows = make([]fleetEntry, n)
	}
	return r
}

// add records the line of the target at position i of the listing.
func (r *fleetReport) add(i int, e fleetEntry) {
	b := e.base()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[b.Status]++
	if b.Status != statusNotStarted && b.Status != statusSkipped {
		r.slow = append(r.slow, slowTarget{Target: b.Target, DurationMS: b.DurationMS, d: b.duration})
		sort.SliceStable(r.slow, func(x, y int) bool { return r.slow[x].d > r.slow[y].d })
		if len(r.slow) > slowestKept {
			r.slow = r.slow[:slowestKept]
		}
	}
	if !r.stream {
		r.rows[i] = e
		return
	}
	if r.err == nil {
		r.err = writeJSONLine(r.w, e)
	}
}

// summaryJSON is the last line of --json-lines.
type summaryJSON struct {
	Summary struct {
		Targets    int            `json:"targets"`
		Statuses   map[string]int `json:"statuses"`
		DurationMS int64          `json:"duration_ms"`
		Slowest    []slowTarget   `json:"slowest"`
	} `json:"summary"`
}

// finish writes the summary line of --json-lines, or the whole array of
// --json, or hands the lines to table for the table form.
func (r *fleetReport) finish(asJSON bool, elapsed time.Duration, table func(io.Writer, []fleetEntry)) error {
	switch {
	case r.stream:
		var s summaryJSON
		s.Summary.Statuses = r.counts
		s.Summary.DurationMS = elapsed.Milliseconds()
		s.Summary.Slowest = append([]slowTarget{}, r.slow...)
		for _, n := range r.counts {
			s.Summary.Targets += n
		}
		if r.err != nil {
			return r.err
		}
		return writeJSONLine(r.w, s)
	case asJSON:
		return writeJSON(r.w, r.rows)
	}
	table(r.w, r.rows)
	return nil
}

// total counts the targets reported.
func (r *fleetReport) total() int {
	n := 0
	for _, c := range r.counts {
		n += c
	}
	return n
}

// countLine renders "3 ok, 1 failed, 0 not started" with every status in
// order, those given always and the others when they occur.
func (r *fleetReport) countLine(always ...string) string {
	order := []string{statusOK, statusBehind, statusFailed, statusNotStarted, statusSkipped}
	var parts []string
	for _, st := range order {
		if n, ok := r.counts[st]; ok || slices.Contains(always, st) {
			parts = append(parts, strconv.Itoa(n)+" "+st)
		}
	}
	return strings.Join(parts, ", ")
}

func writeJSONLine(w io.Writer, x any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(x)
}
