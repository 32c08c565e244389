package revgraph

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// node is the internal form of a revision: edges as indexes into
// Graph.nodes, in declaration order.
type node struct {
	rev      *Revision
	down     []int32 // down_revision (versioned parents)
	deps     []int32 // depends_on, resolved to revisions
	normDown []int32 // down + the dependencies no ancestor already carries
	next     []int32 // children through down_revision
	allNext  []int32 // children through down_revision or depends_on
	labels   []string
	gen      int32 // 1 + the largest gen among normDown
	normDeps bool  // some dependency survives normalisation
}

// Graph is a validated, immutable revision graph.
type Graph struct {
	store      []Revision // the revisions, copied
	nodes      []node
	ids        map[string]int32 // revision id -> node
	labelAt    map[string]int32 // declared branch label -> node
	prefixOnce sync.Once
	prefixKeys []string // ids and labels longer than three characters, sorted
	heads      []int32
	realHeads  []int32
	bases      []int32
	order      []int32 // parents and dependencies before children
}

// New builds and validates a graph. Every problem found is reported, joined
// with errors.Join. The order of revs matters the way the order of script
// files matters to Alembic: it breaks ties in Heads, Bases and History.
func New(revs []Revision) (*Graph, error) {
	g := &Graph{
		store:   make([]Revision, 0, len(revs)),
		nodes:   make([]node, 0, len(revs)),
		ids:     make(map[string]int32, len(revs)),
		labelAt: map[string]int32{},
	}
	var errs []error
	var dups map[string][]string
	var dupOrder []string
	total := 0
	for i := range revs {
		total += len(revs[i].Down) + len(revs[i].DependsOn) + len(revs[i].BranchLabels)
	}
	arena := make([]string, 0, total)
	clone := func(xs []string) []string {
		if len(xs) == 0 {
			return nil
		}
		k := len(arena)
		arena = append(arena, xs...)
		return arena[k:len(arena):len(arena)]
	}
	for i := range revs {
		r := &revs[i]
		if why := badIdent(r.ID); why != "" {
			errs = append(errs, &InvalidError{Revision: where(r.ID, r.Origin), Reason: why})
			continue
		}
		if j, ok := g.ids[r.ID]; ok {
			if dups == nil {
				dups = map[string][]string{}
			}
			if len(dups[r.ID]) == 0 {
				dupOrder = append(dupOrder, r.ID)
				dups[r.ID] = append(dups[r.ID], g.store[j].Origin)
			}
			dups[r.ID] = append(dups[r.ID], r.Origin)
			continue
		}
		cp := *r
		cp.Down = clone(r.Down)
		cp.DependsOn = clone(r.DependsOn)
		cp.BranchLabels = clone(r.BranchLabels)
		g.ids[r.ID] = int32(len(g.nodes))
		g.store = append(g.store, cp)
		g.nodes = append(g.nodes, node{rev: &g.store[len(g.store)-1]})
	}
	for _, id := range dupOrder {
		errs = append(errs, &DuplicateError{ID: id, Origins: dups[id]})
	}
	// Branch labels.
	for i := range g.nodes {
		r := g.nodes[i].rev
		for k, l := range r.BranchLabels {
			if slices.Contains(r.BranchLabels[:k], l) {
				continue
			}
			if why := badIdent(l); why != "" || !ValidLabel(l) {
				if why == "" {
					why = "use letters, digits, _ and ."
				}
				errs = append(errs, &LabelError{Label: l, Revisions: []string{where(r.ID, r.Origin)}, Reason: "is invalid (" + why + ")"})
				continue
			}
			if j, ok := g.ids[l]; ok {
				o := g.nodes[j].rev
				errs = append(errs, &LabelError{Label: l, Reason: "is also a revision id",
					Revisions: []string{where(r.ID, r.Origin), where(o.ID, o.Origin)}})
				continue
			}
			if j, ok := g.labelAt[l]; ok {
				o := g.nodes[j].rev
				errs = append(errs, &LabelError{Label: l, Reason: "is declared on two revisions",
					Revisions: []string{where(o.ID, o.Origin), where(r.ID, r.Origin)}})
				continue
			}
			g.labelAt[l] = int32(i)
		}
	}
	// Parents and dependencies.
	edges := make([]int32, 0, total)
	nextCount := make([]int32, len(g.nodes))
	depChildren := false
	for i := range g.nodes {
		n := &g.nodes[i]
		r := n.rev
		k := len(edges)
		for _, d := range r.Down {
			j, ok := g.ids[d]
			if !ok {
				errs = append(errs, &MissingParentError{Revision: r.ID, Origin: r.Origin, Missing: d})
				continue
			}
			if j == int32(i) {
				errs = append(errs, &CycleError{Revisions: []string{where(r.ID, r.Origin)}})
				continue
			}
			if !slices.Contains(edges[k:], j) {
				edges = append(edges, j)
				nextCount[j]++
			}
		}
		n.down = edges[k:len(edges):len(edges)]
		k = len(edges)
		for _, d := range r.DependsOn {
			j, ok := g.ids[d]
			if !ok {
				j, ok = g.labelAt[d]
			}
			if !ok {
				errs = append(errs, &MissingParentError{Revision: r.ID, Origin: r.Origin, Missing: d, DependsOn: true})
				continue
			}
			if j == int32(i) {
				errs = append(errs, &CycleError{Revisions: []string{where(r.ID, r.Origin)}, ThroughDependsOn: true})
				continue
			}
			if !slices.Contains(edges[k:], j) {
				edges = append(edges, j)
				if !slices.Contains(n.down, j) {
					depChildren = true
				}
			}
		}
		n.deps = edges[k:len(edges):len(edges)]
	}
	// Children, in declaration order of the children.
	kids := make([]int32, 0, len(edges))
	for i := range g.nodes {
		c := int(nextCount[i])
		g.nodes[i].next = kids[len(kids) : len(kids) : len(kids)+c]
		kids = kids[:len(kids)+c]
	}
	for i := range g.nodes {
		for _, d := range g.nodes[i].down {
			g.nodes[d].next = append(g.nodes[d].next, int32(i))
		}
	}
	for i := range g.nodes {
		g.nodes[i].allNext = g.nodes[i].next
	}
	if depChildren {
		for i := range g.nodes {
			n := &g.nodes[i]
			for _, d := range n.deps {
				if !slices.Contains(n.down, d) {
					p := &g.nodes[d]
					if len(p.allNext) == len(p.next) {
						p.allNext = slices.Clip(slices.Clone(p.next))
					}
					p.allNext = append(p.allNext, int32(i))
				}
			}
		}
	}
	if order, c := g.findCycle(false); c != nil {
		errs = append(errs, c)
	} else if !depChildren {
		g.order = order
	} else if order, c := g.findCycle(true); c != nil {
		errs = append(errs, c)
	} else {
		g.order = order
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		if len(n.next) == 0 {
			g.heads = append(g.heads, int32(i))
		}
		if len(n.allNext) == 0 {
			g.realHeads = append(g.realHeads, int32(i))
		}
		if len(n.down) == 0 {
			g.bases = append(g.bases, int32(i))
		}
	}
	g.normalize()
	g.spreadLabels()
	return g, nil
}

// prefixIndex returns the sorted ids and labels that prefixes may match,
// built on first use.
func (g *Graph) prefixIndex() []string {
	g.prefixOnce.Do(func() {
		for k := range g.ids {
			if len(k) > 3 {
				g.prefixKeys = append(g.prefixKeys, k)
			}
		}
		for k := range g.labelAt {
			if len(k) > 3 {
				g.prefixKeys = append(g.prefixKeys, k)
			}
		}
		sort.Strings(g.prefixKeys)
	})
	return g.prefixKeys
}

// badIdent says what is wrong with a revision id or label, or "".
func badIdent(s string) string {
	if s == "" {
		return "empty identifier"
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '@', '-', '+', ':', ',', ' ', '\t', '\r', '\n':
			return fmt.Sprintf("character %q is not allowed", s[i])
		}
	}
	return ""
}

// findCycle runs Kahn's algorithm over down_revision edges (and depends_on
// edges when withDeps). It returns the order found, or the revisions left
// on or between cycles.
func (g *Graph) findCycle(withDeps bool) ([]int32, error) {
	n := len(g.nodes)
	kidsOf := func(i int32) []int32 {
		if withDeps {
			return g.nodes[i].allNext
		}
		return g.nodes[i].next
	}
	indeg := make([]int32, n)
	for i := range g.nodes {
		for _, c := range kidsOf(int32(i)) {
			indeg[c]++
		}
	}
	order := make([]int32, 0, n)
	for i := range indeg {
		if indeg[i] == 0 {
			order = append(order, int32(i))
		}
	}
	for k := 0; k < len(order); k++ {
		for _, c := range kidsOf(order[k]) {
			indeg[c]--
			if indeg[c] == 0 {
				order = append(order, c)
			}
		}
	}
	if len(order) == n {
		return order, nil
	}
	// Peel off the revisions that merely hang below a cycle: keep only
	// those with a child that is still left.
	left := make([]bool, n)
	for i := range indeg {
		left[i] = indeg[i] > 0
	}
	for changed := true; changed; {
		changed = false
		for i := range left {
			if !left[i] {
				continue
			}
			keep := false
			for _, c := range kidsOf(int32(i)) {
				if left[c] {
					keep = true
					break
				}
			}
			if !keep {
				left[i] = false
				changed = true
			}
		}
	}
	var ids []string
	for i := range left {
		if left[i] {
			r := g.nodes[i].rev
			ids = append(ids, where(r.ID, r.Origin))
		}
	}
	return nil, &CycleError{Revisions: ids, ThroughDependsOn: withDeps}
}

// normalize drops from each revision's dependencies those that one of its
// down_revision ancestors already depends on, and computes normDown and
// the generation numbers.
func (g *Graph) normalize() {
	order := g.order
	n := len(g.nodes)
	depBelow := make([]bool, n) // this node or a versioned ancestor has deps
	for _, x := range order {
		nd := &g.nodes[x]
		depBelow[x] = len(nd.deps) > 0
		for _, d := range nd.down {
			if depBelow[d] {
				depBelow[x] = true
			}
		}
	}
	mark := make([]int32, n)
	epoch := int32(0)
	var stack []int32
	for _, x := range order {
		nd := &g.nodes[x]
		nd.normDown = nd.down
		if len(nd.deps) > 0 {
			keep := slices.Clone(nd.deps)
			epoch++
			stack = append(stack[:0], nd.down...)
			for len(stack) > 0 && len(keep) > 0 {
				a := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if mark[a] == epoch || !depBelow[a] {
					continue
				}
				mark[a] = epoch
				for _, d := range g.nodes[a].deps {
					if k := slices.Index(keep, d); k >= 0 {
						keep = slices.Delete(keep, k, k+1)
					}
				}
				stack = append(stack, g.nodes[a].down...)
			}
			nd.normDeps = len(keep) > 0
			nd.normDown = slices.Clone(nd.down)
			for _, d := range keep {
				if !slices.Contains(nd.normDown, d) {
					nd.normDown = append(nd.normDown, d)
				}
			}
		}
		var gen int32
		for _, d := range nd.normDown {
			if g.nodes[d].gen+1 > gen {
				gen = g.nodes[d].gen + 1
			}
		}
		nd.gen = gen
	}
}

// spreadLabels applies each declared label to the descendants of its
// revision and, when that lineage is a single chain, to the ancestors down
// to the nearest branch or merge point, as Alembic does.
func (g *Graph) spreadLabels() {
	var stack []int32
	mark := make([]bool, len(g.nodes))
	var touched []int32
	for i := range g.nodes {
		labels := g.nodes[i].rev.BranchLabels
		if len(labels) == 0 {
			continue
		}
		for _, t := range touched {
			mark[t] = false
		}
		touched = touched[:0]
		stack = append(stack[:0], int32(i))
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if mark[x] {
				continue
			}
			mark[x] = true
			touched = append(touched, x)
			g.nodes[x].labels = append(g.nodes[x].labels, labels...)
			stack = append(stack, g.nodes[x].next...)
		}
		// Find the last descendant: only a chain reaches below the label.
		x := int32(i)
		for len(g.nodes[x].next) == 1 {
			x = g.nodes[x].next[0]
		}
		if len(g.nodes[x].next) > 1 {
			continue
		}
		for {
			p := &g.nodes[x]
			if len(p.allNext) > 1 || len(p.down) > 1 {
				break
			}
			if !mark[x] {
				p.labels = append(p.labels, labels...)
			}
			if len(p.down) == 0 {
				break
			}
			x = p.down[0]
		}
	}
	for i := range g.nodes {
		if l := g.nodes[i].labels; len(l) > 1 {
			sort.Strings(l)
			g.nodes[i].labels = slices.Compact(l)
		}
	}
}

// Len reports the number of revisions.
func (g *Graph) Len() int { return len(g.nodes) }

// Get returns the revision with exactly this id.
func (g *Graph) Get(id string) (*Revision, bool) {
	i, ok := g.ids[id]
	if !ok {
		return nil, false
	}
	return g.nodes[i].rev, true
}

func (g *Graph) idsOf(xs []int32) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = g.nodes[x].rev.ID
	}
	return out
}

// Revisions returns every revision, newest first (Alembic's walk order).
func (g *Graph) Revisions() []*Revision {
	revs, err := g.History("", nil)
	if err != nil {
		return nil
	}
	return revs
}

// Heads returns the revisions that no down_revision points at (the `heads`
// command), in declaration order.
func (g *Graph) Heads() []string { return g.idsOf(g.heads) }

// RealHeads returns the heads counting depends_on edges as well (the `heads`
// and `head` targets).
func (g *Graph) RealHeads() []string { return g.idsOf(g.realHeads) }

// Bases returns the revisions with no down_revision.
func (g *Graph) Bases() []string { return g.idsOf(g.bases) }

// BranchPoints returns the revisions with two or more down_revision
// children, newest first.
func (g *Graph) BranchPoints() []string {
	var out []string
	for _, r := range g.Revisions() {
		if len(g.nodes[g.ids[r.ID]].next) > 1 {
			out = append(out, r.ID)
		}
	}
	return out
}

// MergePoint reports whether id has two or more parents.
func (g *Graph) MergePoint(id string) bool {
	i, ok := g.ids[id]
	return ok && len(g.nodes[i].down) > 1
}

// Children returns the revisions whose down_revision names id.
func (g *Graph) Children(id string) []string {
	i, ok := g.ids[id]
	if !ok {
		return nil
	}
	return g.idsOf(g.nodes[i].next)
}

// Dependents returns the revisions that name id in depends_on (directly or
// through a label of id).
func (g *Graph) Dependents(id string) []string {
	i, ok := g.ids[id]
	if !ok {
		return nil
	}
	var out []string
	for _, c := range g.nodes[i].allNext {
		if slices.Contains(g.nodes[c].deps, i) {
			out = append(out, g.nodes[c].rev.ID)
		}
	}
	return out
}

// Labels returns the branch labels that apply to id, spread as Alembic
// spreads them (descendants, and ancestors up to the nearest branch or merge
// point), sorted.
func (g *Graph) Labels(id string) []string {
	i, ok := g.ids[id]
	if !ok {
		return nil
	}
	return slices.Clone(g.nodes[i].labels)
}
