package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// drawGraph writes vs, newest first, as a lane graph in the manner of
// `git log --graph`: one node line per revision, "*" for the revision and
// "|", "/", "\" and "_" for the lanes that lead to its parents. Only
// down_revision edges are drawn; a depends_on edge is a "(depends on x)"
// note on the line. A parent that is not among vs (a history range)
// closes its lane.
func drawGraph(w io.Writer, vs []view, paint painter) {
	in := make(map[string]bool, len(vs))
	for _, v := range vs {
		in[v.rev.ID] = true
	}
	d := &lanes{w: w, paint: paint}
	closed := -1 // the column of a base drawn last, when it ended the lanes
	for _, v := range vs {
		id := v.rev.ID
		c := slices.Index(d.cols, id)
		if c < 0 {
			if closed == len(d.cols) {
				// A new head right under a base would read as its child.
				d.pad()
			}
			d.cols = append(d.cols, id)
			c = len(d.cols) - 1
		}
		// Every lane that awaits this revision joins the leftmost one,
		// the rightmost first.
		for {
			e := lastIndex(d.cols, id)
			if e == c {
				break
			}
			d.collapse(c, e)
		}
		d.node(c, graphText(v, paint))
		closed = -1
		var parents []string
		for _, p := range v.rev.Down {
			if in[p] {
				parents = append(parents, p)
			}
		}
		if len(parents) == 0 {
			d.close(c)
			if c == len(d.cols) {
				closed = c
			}
			continue
		}
		d.cols[c] = parents[0]
		for i := len(parents) - 1; i >= 1; i-- {
			d.open(c, parents[i])
		}
	}
}

func lastIndex(xs []string, x string) int {
	for i := len(xs) - 1; i >= 0; i-- {
		if xs[i] == x {
			return i
		}
	}
	return -1
}

// lanes is the drawing state: cols[i] is the revision lane i leads to.
type lanes struct {
	w     io.Writer
	paint painter
	cols  []string
}

// row is one line of lane characters, two columns per lane.
type row []byte

func newRow(n int) row { return row(strings.Repeat(" ", 2*n+1)) }

func (r row) String() string { return strings.TrimRight(string(r), " ") }

// pad writes a line that only continues the lanes.
func (d *lanes) pad() {
	r := newRow(len(d.cols))
	for i := range d.cols {
		r[2*i] = '|'
	}
	fmt.Fprintln(d.w, r.String())
}

// node writes the line of the revision in lane c.
func (d *lanes) node(c int, text string) {
	r := newRow(len(d.cols))
	for i := range d.cols {
		r[2*i] = '|'
	}
	r[2*c] = '*'
	line := r.String()
	if d.paint.on {
		line = strings.Replace(line, "*", d.paint.node("*"), 1)
	}
	fmt.Fprintf(d.w, "%s %s\n", line, text)
}

// collapse writes the line that joins lane e into lane c (c < e): lane e
// bends left and runs along the bottom of the lanes between, and the lanes
// right of e move one to the left.
func (d *lanes) collapse(c, e int) {
	r := newRow(len(d.cols))
	for i := range d.cols {
		switch {
		case i < e:
			r[2*i] = '|'
		case i > e:
			r[2*i-1] = '/'
		}
	}
	for i := c; i < e-1; i++ {
		r[2*i+1] = '_'
	}
	r[2*e-1] = '/'
	fmt.Fprintln(d.w, r.String())
	d.cols = slices.Delete(d.cols, e, e+1)
}

// open writes the line that starts a lane for parent right of lane c (a
// merge), moving the lanes right of c one to the right.
func (d *lanes) open(c int, parent string) {
	r := newRow(len(d.cols) + 1)
	for i := range d.cols {
		switch {
		case i <= c:
			r[2*i] = '|'
		default:
			r[2*i+1] = '\\'
		}
	}
	r[2*c+1] = '\\'
	fmt.Fprintln(d.w, r.String())
	d.cols = slices.Insert(d.cols, c+1, parent)
}

// close ends lane c (a base, or the edge of a range); the lanes right of
// it move one to the left.
func (d *lanes) close(c int) {
	if c < len(d.cols)-1 {
		r := newRow(len(d.cols))
		for i := range d.cols {
			switch {
			case i < c:
				r[2*i] = '|'
			case i > c:
				r[2*i-1] = '/'
			}
		}
		fmt.Fprintln(d.w, r.String())
	}
	d.cols = slices.Delete(d.cols, c, c+1)
}

// graphText is the text after a node: id, labels, markers, dependencies
// and the first line of the message.
func graphText(v view, p painter) string {
	var b strings.Builder
	b.WriteString(p.id(v.rev.ID))
	if len(v.labels) > 0 {
		b.WriteString(" " + p.label("("+commaList(v.labels)+")"))
	}
	var marks []string
	if v.realHead {
		marks = append(marks, "(head)")
	} else if v.head {
		marks = append(marks, "(effective head)")
	}
	if v.branchPoint {
		marks = append(marks, "(branchpoint)")
	}
	if v.mergePoint {
		marks = append(marks, "(mergepoint)")
	}
	if len(marks) > 0 {
		b.WriteString(" " + p.head(strings.Join(marks, " ")))
	}
	if v.current {
		b.WriteString(" " + p.current("(current)"))
	}
	if len(v.rev.DependsOn) > 0 {
		fmt.Fprintf(&b, " (depends on %s)", commaList(v.rev.DependsOn))
	}
	msg, _, _ := strings.Cut(v.rev.Message, "\n")
	if msg != "" {
		b.WriteString(", " + msg)
	}
	return b.String()
}

// painter colours text output with ANSI escapes when on is set (stdout is
// a terminal and colour is not turned off).
type painter struct{ on bool }

const ansiReset = "\x1b[0m"

func (p painter) wrap(code, s string) string {
	if !p.on {
		return s
	}
	return "\x1b[" + code + "m" + s + ansiReset
}

func (p painter) id(s string) string      { return p.wrap("33", s) }   // yellow
func (p painter) label(s string) string   { return p.wrap("36", s) }   // cyan
func (p painter) head(s string) string    { return p.wrap("1;32", s) } // bold green
func (p painter) current(s string) string { return p.wrap("1;35", s) } // bold magenta
func (p painter) node(s string) string    { return p.wrap("1", s) }    // bold
