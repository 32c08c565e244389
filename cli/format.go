package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/retort-sql/retort/revgraph"
)

// view is one revision as the graph sees it, with everything the text and
// JSON formats show.
type view struct {
	rev         *revgraph.Revision
	labels      []string // branch labels as spread over the lineage
	children    []string // down_revision children
	head        bool     // no down_revision child (the heads command)
	realHead    bool     // no child at all, depends_on counted
	branchPoint bool
	mergePoint  bool
	current     bool
	showCurrent bool
	path        string
}

func (a *app) view(g *revgraph.Graph, r *revgraph.Revision, realHeads map[string]bool) view {
	children := g.Children(r.ID)
	return view{
		rev:         r,
		labels:      g.Labels(r.ID),
		children:    children,
		head:        len(children) == 0,
		realHead:    realHeads[r.ID],
		branchPoint: len(children) > 1,
		mergePoint:  g.MergePoint(r.ID),
		path:        a.displayPath(r),
	}
}

// views returns the views of revs, marking those in current when
// indicate is set.
func (a *app) views(g *revgraph.Graph, revs []*revgraph.Revision, current []string, indicate bool) []view {
	real := make(map[string]bool)
	for _, id := range g.RealHeads() {
		real[id] = true
	}
	out := make([]view, 0, len(revs))
	for _, r := range revs {
		v := a.view(g, r, real)
		v.showCurrent = indicate
		v.current = indicate && slices.Contains(current, r.ID)
		out = append(out, v)
	}
	return out
}

func commaList(ids []string) string { return strings.Join(ids, ", ") }

// downText is Alembic's rendering of the parents: "<base>" or "a, b".
func (v view) downText() string {
	if len(v.rev.Down) == 0 {
		return "<base>"
	}
	return commaList(v.rev.Down)
}

// shortOpts selects the parts of the one-line format.
type shortOpts struct {
	branches, doc, parents bool
	tree                   bool // (branchpoint) and (mergepoint)
}

// short is the one-line format of Alembic's Script._head_only, e.g.
// "ae1027a6acf0 -> 27c6a30d7c24 (billing) (head), add invoice table".
func (v view) short(o shortOpts) string {
	var b strings.Builder
	if o.parents {
		b.WriteString(v.downText())
		if len(v.rev.DependsOn) > 0 {
			fmt.Fprintf(&b, " (%s)", commaList(v.rev.DependsOn))
		}
		b.WriteString(" -> ")
	}
	b.WriteString(v.rev.ID)
	if o.branches && len(v.labels) > 0 {
		fmt.Fprintf(&b, " (%s)", commaList(v.labels))
	}
	if v.realHead {
		b.WriteString(" (head)")
	} else if v.head {
		b.WriteString(" (effective head)")
	}
	if v.current {
		b.WriteString(" (current)")
	}
	if o.tree {
		if v.branchPoint {
			b.WriteString(" (branchpoint)")
		}
		if v.mergePoint {
			b.WriteString(" (mergepoint)")
		}
	}
	if o.doc {
		fmt.Fprintf(&b, ", %s", v.rev.Message)
	}
	return b.String()
}

// long is Alembic's Script.log_entry, the verbose format, ending with a
// blank line.
func (v view) long() string {
	var b strings.Builder
	b.WriteString("Rev: " + v.rev.ID)
	if v.head {
		b.WriteString(" (head)")
	}
	if v.branchPoint {
		b.WriteString(" (branchpoint)")
	}
	if v.mergePoint {
		b.WriteString(" (mergepoint)")
	}
	if v.current {
		b.WriteString(" (current)")
	}
	b.WriteString("\n")
	if v.mergePoint {
		fmt.Fprintf(&b, "Merges: %s\n", v.downText())
	} else {
		fmt.Fprintf(&b, "Parent: %s\n", v.downText())
	}
	if len(v.rev.DependsOn) > 0 {
		fmt.Fprintf(&b, "Also depends on: %s\n", commaList(v.rev.DependsOn))
	}
	if v.branchPoint {
		fmt.Fprintf(&b, "Branches into: %s\n", commaList(v.children))
	}
	if len(v.labels) > 0 {
		fmt.Fprintf(&b, "Branch names: %s\n", commaList(v.labels))
	}
	fmt.Fprintf(&b, "Path: %s\n\n", v.path)
	for _, line := range strings.Split(v.rev.Message, "\n") {
		fmt.Fprintf(&b, "    %s\n", line)
	}
	return b.String()
}

// revJSON is the JSON shape of one revision. Lists are never null.
type revJSON struct {
	Revision      string   `json:"revision"`
	DownRevisions []string `json:"down_revisions"`
	BranchLabels  []string `json:"branch_labels"`
	DependsOn     []string `json:"depends_on"`
	Message       string   `json:"message"`
	Children      []string `json:"children"`
	IsHead        bool     `json:"is_head"`
	IsRealHead    bool     `json:"is_real_head"`
	IsBranchPoint bool     `json:"is_branch_point"`
	IsMergePoint  bool     `json:"is_merge_point"`
	IsCurrent     *bool    `json:"is_current,omitempty"`
	Path          string   `json:"path"`
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (v view) json() revJSON {
	j := revJSON{
		Revision:      v.rev.ID,
		DownRevisions: orEmpty(v.rev.Down),
		BranchLabels:  orEmpty(v.labels),
		DependsOn:     orEmpty(v.rev.DependsOn),
		Message:       v.rev.Message,
		Children:      orEmpty(v.children),
		IsHead:        v.head,
		IsRealHead:    v.realHead,
		IsBranchPoint: v.branchPoint,
		IsMergePoint:  v.mergePoint,
		Path:          v.path,
	}
	if v.showCurrent {
		cur := v.current
		j.IsCurrent = &cur
	}
	return j
}

// writeJSON writes x as indented JSON followed by a newline.
func writeJSON(w io.Writer, x any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(x)
}

func writeJSONList(w io.Writer, vs []view) error {
	out := make([]revJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.json())
	}
	return writeJSON(w, out)
}
