package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

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

// compactList is revList without spaces, so that it stays one table cell.
func compactList(ids []string) string {
	if len(ids) == 0 {
		return "<base>"
	}
	return strings.Join(ids, ",")
}

// syncMap hands a read's value from the target's goroutine to its report
// line; each value is taken once, so nothing outlives its target.
type syncMap struct {
	mu sync.Mutex
	m  map[int]any
}

func (s *syncMap) put(i int, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[int]any{}
	}
	s.m[i] = v
}

func (s *syncMap) take(i int) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.m[i]
	delete(s.m, i)
	return v
}
