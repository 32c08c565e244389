package revgraph

import (
	"slices"
	"strconv"
)

// spec is a target as Alembic's commands pass it around: a single string,
// or a tuple of strings (the version rows).
type spec struct {
	list   []string
	isList bool
	s      string
	none   bool // Python's None
}

func strSpec(s string) spec     { return spec{s: s} }
func listSpec(xs []string) spec { return spec{list: xs, isList: true} }
func (p spec) tuple() []string {
	switch {
	case p.none:
		return nil
	case p.isList:
		return p.list
	}
	return []string{p.s}
}

func (p spec) String() string {
	if p.isList {
		if len(p.list) == 0 {
			return "base"
		}
		s := ""
		for i, x := range p.list {
			if i > 0 {
				s += ","
			}
			s += x
		}
		return s
	}
	if p.none {
		return "base"
	}
	return p.s
}

func (g *Graph) getRevisionsSpec(p spec) ([]rv, error) {
	if p.none {
		return nil, nil
	}
	if p.isList {
		return g.getRevisionsList(p.list)
	}
	return g.getRevisions(p.s)
}

func tooShort(relStr string, n int) error {
	if n < 0 {
		n = -n
	}
	return &RelativeError{Spec: relStr, Reason: "didn't produce " + strconv.Itoa(n) + " migrations"}
}

// parseUpgradeTarget resolves an upgrade target relative to current.
func (g *Graph) parseUpgradeTarget(current []string, target string, assertLen bool) ([]rv, error) {
	return g.parseUpgradeTargetSpec(listSpec(current), strSpec(target), assertLen)
}

func (g *Graph) parseUpgradeTargetSpec(current, target spec, assertLen bool) ([]rv, error) {
	var m relSpec
	ok := false
	if !target.isList && !target.none {
		m, ok = matchRelative(target.s)
	}
	if !ok {
		return g.getRevisionsSpec(target)
	}
	cur := current.tuple()
	if m.rel > 0 {
		if !m.hasSymbol {
			// Start from the current revisions (or below every base).
			var starts []rv
			if m.branch != "" {
				revs, err := g.getRevisionsList(cur)
				if err != nil {
					return nil, err
				}
				if starts, err = g.filterForLineage(revs, m.branch, false); err != nil {
					return nil, err
				}
				if len(starts) == 0 {
					anc, err := g.ancestorList(revs)
					if err != nil {
						return nil, err
					}
					active, err := g.filterForLineage(anc, m.branch, false)
					if err != nil {
						return nil, err
					}
					inner := map[rv]bool{}
					for _, a := range active {
						for _, d := range g.nodes[a].normDown {
							inner[d] = true
						}
					}
					for _, a := range active {
						if !inner[a] {
							starts = append(starts, a)
						}
					}
					if len(starts) == 0 {
						starts = []rv{rvNone}
					}
				}
			} else {
				if len(cur) == 0 {
					starts = []rv{rvNone}
				} else {
					for _, c := range cur {
						x, err := g.getRevision(c)
						if err != nil {
							return nil, err
						}
						starts = append(starts, x)
					}
					if len(dedupe(cur)) > 1 || len(cur) > 1 {
						return nil, &RelativeError{Spec: target.s, Reason: "ambiguous upgrade from multiple current revisions " +
							joinIDs(cur) + "; name one as <revision>" + m.relStr + " or use <branch>@" + m.relStr}
					}
				}
			}
			if len(starts) > 1 {
				return nil, &RelativeError{Spec: target.s, Reason: "ambiguous upgrade from multiple current revisions " +
					joinIDs(g.idsOf(starts)) + "; name one as <revision>" + m.relStr}
			}
			x, err := g.walk(starts[0], m.rel, m.branch, assertLen, target.s)
			if err != nil {
				return nil, err
			}
			if x == rvNone {
				return nil, tooShort(m.relStr, m.rel)
			}
			return []rv{x}, nil
		}
		start, err := g.getRevision(m.symbol)
		if err != nil {
			return nil, err
		}
		x, err := g.walk(start, m.rel, m.branch, assertLen, target.s)
		if err != nil {
			return nil, err
		}
		if x < 0 {
			return nil, tooShort(m.relStr, m.rel)
		}
		return []rv{x}, nil
	}
	if !m.hasSymbol {
		return nil, tooShort(m.relStr, m.rel)
	}
	sym := m.symbol
	if m.branch != "" {
		sym = m.branch + "@" + m.symbol
	}
	start, err := g.getRevision(sym)
	if err != nil {
		return nil, err
	}
	x, err := g.walk(start, m.rel, "", assertLen, target.s)
	if err != nil {
		return nil, err
	}
	if x < 0 {
		return nil, tooShort(m.relStr, m.rel)
	}
	return []rv{x}, nil
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func joinIDs(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// parseDowngradeTarget resolves a downgrade target relative to current; it
// returns the branch named by the target, if any.
func (g *Graph) parseDowngradeTarget(current spec, target string, assertLen bool) (string, rv, error) {
	m, ok := matchRelative(target)
	if !ok {
		branch, sym := "", target
		for i := len(target) - 1; i >= 0; i-- {
			if target[i] == '@' {
				branch, sym = target[:i], target[i+1:]
				break
			}
		}
		x, err := g.getRevision(sym)
		return branch, x, err
	}
	if m.rel >= 0 {
		if !m.hasSymbol {
			return "", rvNone, tooShort(m.relStr, m.rel)
		}
		start, err := g.getRevision(m.symbol)
		if err != nil {
			return "", rvNone, err
		}
		x, err := g.walk(start, m.rel, m.branch, assertLen, target)
		if err != nil {
			return "", rvNone, err
		}
		if x == rvNone {
			return "", rvNone, &RelativeError{Spec: target, Reason: "walks past the end of the graph"}
		}
		return m.branch, x, nil
	}
	branch := m.branch
	symbol := m.symbol
	relative := !m.hasSymbol
	if relative {
		cur := current.tuple()
		if branch != "" {
			revs, err := g.getRevisionsList(cur)
			if err != nil {
				return "", rvNone, err
			}
			list, err := g.filterForLineage(revs, branch, false)
			if err != nil {
				return "", rvNone, err
			}
			if len(list) == 0 {
				all, err := g.allCurrent(revs)
				if err != nil {
					return "", rvNone, err
				}
				if list, err = g.filterForLineage(all, branch, false); err != nil {
					return "", rvNone, err
				}
			}
			if len(list) != 1 {
				if len(list) == 0 {
					return "", rvNone, &RelativeError{Spec: target, Reason: "branch " + strconv.Quote(branch) + " has no current revision to walk down from"}
				}
				return "", rvNone, &RelativeError{Spec: target, Reason: "branch " + strconv.Quote(branch) + " has several current heads (" +
					joinIDs(g.idsOf(list)) + "); name one as <revision>" + m.relStr}
			}
			symbol = g.id(list[0])
		} else {
			if len(cur) == 0 {
				return "", rvNone, tooShort(m.relStr, m.rel)
			}
			if len(dedupe(cur)) > 1 {
				return "", rvNone, &RelativeError{Spec: target, Reason: "ambiguous downgrade from multiple current heads " +
					joinIDs(cur) + "; name one as <revision>" + m.relStr + " or use <branch>@" + m.relStr}
			}
			symbol = cur[0]
			branch = symbol
		}
	}
	sym := symbol
	if branch != "" {
		sym = branch + "@" + symbol
	}
	start, err := g.getRevision(sym)
	if err != nil {
		return "", rvNone, err
	}
	x, err := g.walk(start, m.rel, "", assertLen, target)
	if err != nil {
		return "", rvNone, err
	}
	if x == rvNone {
		if relative {
			return "", rvNone, tooShort(m.relStr, m.rel)
		}
		return "", rvNone, &RelativeError{Spec: target, Reason: "walks below base"}
	}
	return branch, x, nil
}

// ancestorList lists xs and their ancestors (depends_on included).
func (g *Graph) ancestorList(xs []rv) ([]rv, error) {
	set, err := g.ancestorSet(xs, true, false)
	if err != nil {
		return nil, err
	}
	var out []rv
	for i, in := range set {
		if in {
			out = append(out, rv(i))
		}
	}
	return out, nil
}

// ancestorSet marks xs and their ancestors. With check, a target that is an
// ancestor of another target is an OverlapError.
func (g *Graph) ancestorSet(xs []rv, withDeps, check bool) ([]bool, error) {
	return g.reachSet(xs, check, func(x int32) []int32 {
		if withDeps {
			return g.nodes[x].normDown
		}
		return g.nodes[x].down
	})
}

// descendantSet marks xs and their descendants.
func (g *Graph) descendantSet(xs []rv, withDeps, check bool) ([]bool, error) {
	return g.reachSet(xs, check, func(x int32) []int32 {
		if withDeps {
			return g.nodes[x].allNext
		}
		return g.nodes[x].next
	})
}

// reachSet marks xs and every node reachable from them along edges. With
// check, a target reached from another target is an OverlapError.
func (g *Graph) reachSet(xs []rv, check bool, edges func(int32) []int32) ([]bool, error) {
	set := make([]bool, len(g.nodes))
	var targetSet map[rv]bool
	if check {
		targetSet = map[rv]bool{}
		for _, x := range xs {
			targetSet[x] = true
		}
	}
	var stack []int32
	for _, t := range xs {
		if t < 0 {
			return nil, &RangeError{Reason: "the symbolic base cannot be used here"}
		}
		stack = append(stack[:0], t)
		var overlaps []string
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if check && x != t && targetSet[x] && !slices.Contains(overlaps, g.id(x)) {
				overlaps = append(overlaps, g.id(x))
			}
			if set[x] {
				continue
			}
			set[x] = true
			stack = append(stack, edges(x)...)
		}
		if len(overlaps) > 0 {
			return nil, &OverlapError{Revision: g.id(t), Others: overlaps}
		}
	}
	return set, nil
}

// allCurrent is Alembic's get_all_current: the given revisions and their
// ancestors, reduced to those with no applied down_revision child.
func (g *Graph) allCurrent(revs []rv) ([]rv, error) {
	set, err := g.ancestorSet(revs, true, false)
	if err != nil {
		return nil, err
	}
	var out []rv
	for i, in := range set {
		if !in {
			continue
		}
		top := true
		for _, c := range g.nodes[i].next {
			if set[c] {
				top = false
				break
			}
		}
		if top {
			out = append(out, rv(i))
		}
	}
	return out, nil
}

// Current returns the version rows plus every revision they imply through
// depends_on that has no applied child (Alembic's `current`), in
// declaration order.
func (g *Graph) Current(rows []string) ([]string, error) {
	revs, err := g.getRevisionsList(rows)
	if err != nil {
		return nil, err
	}
	all, err := g.allCurrent(revs)
	if err != nil {
		return nil, err
	}
	return g.idsOf(all), nil
}

// ancestorsOf lists the revisions rows name and all their ancestors
// (depends_on included), in declaration order.
func (g *Graph) ancestorsOf(rows []string) ([]string, error) {
	revs, err := g.getRevisionsList(rows)
	if err != nil {
		return nil, err
	}
	xs, err := g.ancestorList(revs)
	if err != nil {
		return nil, err
	}
	return g.idsOf(xs), nil
}
