package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// cell is one line of workload results: the samples of every tool on one
// database at one size.
type cell struct {
	title   string
	tools   []string
	samples map[string][]sample
	// refs are the tools every row is compared against, in column order.
	refs []string
	note string
}

func newCell(title string, tools, refs []string) *cell {
	return &cell{title: title, tools: tools, refs: refs, samples: map[string][]sample{}}
}

func (c *cell) add(tool string, s sample) { c.samples[tool] = append(c.samples[tool], s) }

type summary struct {
	median, min, max time.Duration
	cpu              time.Duration
	maxRSS           int64
	n                int
}

func summarize(ss []sample) summary {
	if len(ss) == 0 {
		return summary{}
	}
	ds := make([]time.Duration, len(ss))
	cpus := make([]time.Duration, len(ss))
	var rss int64
	for i, s := range ss {
		ds[i], cpus[i] = s.elapsed, s.cpu
		rss = max(rss, s.maxRSS)
	}
	slices.Sort(ds)
	slices.Sort(cpus)
	return summary{median: median(ds), min: ds[0], max: ds[len(ds)-1], cpu: median(cpus), maxRSS: rss, n: len(ss)}
}

func median(ds []time.Duration) time.Duration {
	n := len(ds)
	if n%2 == 1 {
		return ds[n/2]
	}
	return (ds[n/2-1] + ds[n/2]) / 2
}

// writeTable prints the cells of one workload as one Markdown table.
func writeTable(w io.Writer, cells []*cell) {
	if len(cells) == 0 {
		return
	}
	refs := cells[0].refs
	head := []string{"case", "tool", "median", "min–max"}
	for _, r := range refs {
		head = append(head, "× "+r)
	}
	head = append(head, "CPU", "peak RSS")
	fmt.Fprintln(w, "| "+strings.Join(head, " | ")+" |")
	fmt.Fprintln(w, "|"+strings.Repeat(" --- |", len(head)))
	for _, c := range cells {
		sums := map[string]summary{}
		for _, t := range c.tools {
			sums[t] = summarize(c.samples[t])
		}
		for _, t := range c.tools {
			s := sums[t]
			if s.n == 0 {
				continue
			}
			row := []string{c.title, t, fmtDur(s.median), fmtDur(s.min) + "–" + fmtDur(s.max)}
			for _, r := range refs {
				rs, ok := sums[r]
				if !ok || rs.n == 0 || r == t {
					row = append(row, "")
					continue
				}
				row = append(row, fmt.Sprintf("%.2f", float64(s.median)/float64(rs.median)))
			}
			row = append(row, fmtDur(s.cpu), fmtBytes(s.maxRSS))
			fmt.Fprintln(w, "| "+strings.Join(row, " | ")+" |")
		}
	}
	for _, c := range cells {
		if c.note != "" {
			fmt.Fprintf(w, "\n%s: %s\n", c.title, c.note)
		}
	}
	fmt.Fprintln(w)
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
}

func fmtBytes(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}
