package revgraph

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rv is a resolved target: a node index, or one of the two symbolic
// values below.
type rv = int32

const (
	rvNone rv = -1 // nothing: an empty resolution (Alembic's None)
	rvBase rv = -2 // the symbolic base reached by walking below a base
)

// lookup finds an id or a declared label exactly.
func (g *Graph) lookup(key string) (int32, bool) {
	if i, ok := g.ids[key]; ok {
		return i, true
	}
	i, ok := g.labelAt[key]
	return i, ok
}

func (g *Graph) id(x rv) string {
	switch x {
	case rvNone:
		return "base"
	case rvBase:
		return "base"
	}
	return g.nodes[x].rev.ID
}

// resolveNumber splits "branch@symbol" and expands head, heads and base.
func (g *Graph) resolveNumber(spec string) (ids []string, branch string, hasBranch bool, err error) {
	if i := strings.IndexByte(spec, '@'); i >= 0 {
		branch, spec, hasBranch = spec[:i], spec[i+1:], true
	}
	switch spec {
	case "heads":
		if branch != "" {
			hs, err := g.filterForLineage(g.heads, branch, false)
			if err != nil {
				return nil, branch, hasBranch, err
			}
			return g.idsOf(hs), branch, hasBranch, nil
		}
		return g.idsOf(g.realHeads), branch, hasBranch, nil
	case "head":
		h, err := g.currentHead(branch)
		if err != nil || h == rvNone {
			return nil, branch, hasBranch, err
		}
		return []string{g.id(h)}, branch, hasBranch, nil
	case "base":
		return nil, branch, hasBranch, nil
	}
	return []string{spec}, branch, hasBranch, nil
}

// currentHead is the single down_revision head, optionally within a branch.
func (g *Graph) currentHead(branch string) (rv, error) {
	hs := g.heads
	if branch != "" {
		var err error
		if hs, err = g.filterForLineage(hs, branch, false); err != nil {
			return rvNone, err
		}
	}
	if len(hs) > 1 {
		t := "head"
		if branch != "" {
			t = branch + "@head"
		}
		return rvNone, &MultipleHeadsError{Target: t, Heads: g.idsOf(hs)}
	}
	if len(hs) == 1 {
		return hs[0], nil
	}
	return rvNone, nil
}

// filterForLineage keeps the targets that share a lineage with checkAgainst.
func (g *Graph) filterForLineage(targets []rv, checkAgainst string, withDeps bool) ([]rv, error) {
	ids, branch, _, err := g.resolveNumber(checkAgainst)
	if err != nil {
		return nil, err
	}
	var shares []string
	if branch != "" {
		shares = append(shares, branch)
	}
	shares = append(shares, ids...)
	if len(shares) == 0 || len(targets) == 0 {
		return slices.Clone(targets), nil
	}
	against := make([]rv, 0, len(shares))
	for _, s := range shares {
		x, err := g.revisionForIdent(s, false, "")
		if err != nil {
			return nil, err
		}
		if x < 0 {
			return nil, &NotFoundError{Name: s}
		}
		against = append(against, x)
	}
	var out []rv
	for _, t := range targets {
		if t < 0 {
			continue
		}
		for _, a := range against {
			if g.related(t, a, withDeps) {
				out = append(out, t)
				break
			}
		}
	}
	return out, nil
}

// related reports whether a and b lie on one lineage: one is an ancestor of
// (or equal to) the other.
func (g *Graph) related(a, b rv, withDeps bool) bool {
	return g.isAncestor(a, b, withDeps) || g.isAncestor(b, a, withDeps)
}

// isAncestor reports whether a is b or an ancestor of b.
func (g *Graph) isAncestor(a, b rv, withDeps bool) bool {
	if a == b {
		return true
	}
	ga := g.nodes[a].gen
	if g.nodes[b].gen <= ga {
		return false
	}
	seen := map[int32]bool{b: true}
	stack := []int32{b}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		edges := g.nodes[x].down
		if withDeps {
			edges = g.nodes[x].normDown
		}
		for _, d := range edges {
			if d == a {
				return true
			}
			if seen[d] || g.nodes[d].gen <= ga {
				continue
			}
			seen[d] = true
			stack = append(stack, d)
		}
	}
	return false
}

// resolveBranch finds the revision a branch name stands for: a declared
// label, an id, or a unique prefix.
func (g *Graph) resolveBranch(branch string) (rv, error) {
	if x, ok := g.lookup(branch); ok {
		return x, nil
	}
	x, err := g.revisionForIdent(branch, false, "")
	if err != nil {
		if _, ok := err.(*AmbiguousPrefixError); ok {
			return rvNone, err
		}
		return rvNone, &NotFoundError{Name: branch, Detail: "no such branch"}
	}
	return x, nil
}

// revisionForIdent resolves one identifier (exact id or label, else unique
// prefix), optionally checking that it belongs to branch. empty stands for
// Alembic's empty tuple: no revision.
func (g *Graph) revisionForIdent(ident string, empty bool, branch string) (rv, error) {
	branchRev := rvNone
	if branch != "" {
		var err error
		if branchRev, err = g.resolveBranch(branch); err != nil {
			return rvNone, err
		}
	}
	rev := rvNone
	if !empty {
		x, ok := g.lookup(ident)
		if !ok {
			if ident == "" {
				return rvNone, &NotFoundError{Name: ident, Detail: "empty revision identifier"}
			}
			cands := g.prefixMatches(ident)
			if branchRev >= 0 && len(cands) > 0 {
				xs := make([]rv, len(cands))
				for i, c := range cands {
					xs[i], _ = g.lookup(c)
				}
				kept, err := g.filterForLineage(xs, branch, false)
				if err != nil {
					return rvNone, err
				}
				var keep []string
				for i, c := range cands {
					if slices.Contains(kept, xs[i]) {
						keep = append(keep, c)
					}
				}
				cands = keep
			}
			switch {
			case len(cands) == 0:
				e := &NotFoundError{Name: ident}
				if len(ident) < 4 {
					e.Detail = "a partial revision identifier needs at least four characters"
				}
				if branch != "" {
					e.Detail = strings.TrimPrefix(e.Detail+"; not found in branch "+strconv.Quote(branch), "; ")
				}
				return rvNone, e
			case len(cands) > 1:
				return rvNone, &AmbiguousPrefixError{Prefix: ident, Candidates: cands}
			}
			x, _ = g.lookup(cands[0])
		}
		rev = x
	}
	if branch != "" && rev >= 0 {
		if !g.related(rev, branchRev, false) {
			return rvNone, &NotFoundError{Name: g.id(rev), Branch: branch}
		}
	}
	return rev, nil
}

// prefixMatches lists the ids and labels longer than three characters that
// start with p.
func (g *Graph) prefixMatches(p string) []string {
	keys := g.prefixIndex()
	i := searchKeys(keys, p)
	var out []string
	for ; i < len(keys) && strings.HasPrefix(keys[i], p); i++ {
		out = append(out, keys[i])
	}
	return out
}

func searchKeys(keys []string, p string) int {
	lo, hi := 0, len(keys)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if keys[m] < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// getRevisions resolves one spec into any number of revisions.
func (g *Graph) getRevisions(spec string) ([]rv, error) {
	ids, branch, hasBranch, err := g.resolveNumber(spec)
	if err != nil {
		return nil, err
	}
	if len(ids) == 1 {
		if n, ok := pyInt(ids[0]); ok && n < 0 {
			sel := g.realHeads
			if hasBranch {
				var keep []rv
				for _, h := range sel {
					if slices.Contains(g.nodes[h].labels, branch) {
						keep = append(keep, h)
					}
				}
				sel = keep
			}
			out := make([]rv, 0, len(sel))
			for _, h := range sel {
				x, err := g.walk(h, n, "", true, spec)
				if err != nil {
					return nil, err
				}
				out = append(out, x)
			}
			return out, nil
		}
	}
	out := make([]rv, 0, len(ids))
	for _, id := range ids {
		x, err := g.revisionForIdent(id, false, branch)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// getRevisionsList resolves each spec of a list (version rows, stamp
// targets) and concatenates the results.
func (g *Graph) getRevisionsList(specs []string) ([]rv, error) {
	var out []rv
	for _, s := range specs {
		xs, err := g.getRevisions(s)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}

// getRevision resolves a spec that must name at most one revision.
func (g *Graph) getRevision(spec string) (rv, error) {
	ids, branch, _, err := g.resolveNumber(spec)
	if err != nil {
		return rvNone, err
	}
	if len(ids) > 1 {
		xs := make([]string, len(ids))
		copy(xs, ids)
		return rvNone, &MultipleHeadsError{Target: spec, Heads: xs}
	}
	if len(ids) == 0 {
		return g.revisionForIdent("", true, branch)
	}
	return g.revisionForIdent(ids[0], false, branch)
}

// walk moves steps revisions up (steps > 0) or down from start. With
// noOverwalk, a walk that runs off the graph yields rvNone.
func (g *Graph) walk(start rv, steps int, branch string, noOverwalk bool, spec string) (rv, error) {
	initial := start
	n := steps
	if n < 0 {
		n = -n
	}
	for i := 0; i < n; i++ {
		var children []rv
		if steps > 0 {
			if initial == rvBase {
				return rvNone, &RelativeError{Spec: spec, Reason: "cannot walk up from below base"}
			}
			var up []rv
			if initial == rvNone {
				up = g.bases
			} else {
				up = g.nodes[initial].next
			}
			if branch != "" {
				var err error
				if up, err = g.filterForLineage(up, branch, false); err != nil {
					return rvNone, err
				}
			}
			children = up
		} else {
			switch {
			case initial == rvBase:
			case initial == rvNone:
				children = g.heads
			default:
				children = g.nodes[initial].down
			}
			if initial != rvBase && len(children) == 0 {
				children = []rv{rvBase}
			}
		}
		if len(children) == 0 {
			if noOverwalk {
				return rvNone, nil
			}
			return initial, nil
		}
		if len(children) > 1 {
			dir := "down"
			if steps > 0 {
				dir = "up"
			}
			names := make([]string, len(children))
			for k, c := range children {
				names[k] = g.id(c)
			}
			return rvNone, &RelativeError{Spec: spec, Reason: "ambiguous walk " + dir + " from " + g.walkFrom(initial) +
				": it could continue to " + strings.Join(names, " or ") + "; name the revision or use <branch>@" + sign(steps)}
		}
		initial = children[0]
	}
	return initial, nil
}

func (g *Graph) walkFrom(x rv) string {
	if x < 0 {
		return "base"
	}
	return g.id(x)
}

func sign(steps int) string {
	if steps > 0 {
		return "+" + strconv.Itoa(steps)
	}
	return strconv.Itoa(steps)
}

// pyInt parses an integer the way Python's int() parses a string of ASCII
// digits: surrounding spaces, an optional sign, underscores between digits.
func pyInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	s = strings.ReplaceAll(s, "_", "")
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// relSpec is a parsed relative target: [branch@][symbol](+|-)N.
type relSpec struct {
	branch    string // "" when absent
	symbol    string
	hasSymbol bool
	relStr    string // the signed number as written
	rel       int
}

// matchRelative recognises relative targets the way Alembic's pattern
// (?:(.+?)@)?(\w+)?((?:\+|-)\d+) matches from the start of the string.
func matchRelative(s string) (relSpec, bool) {
	for p := 1; p < len(s); p++ {
		if s[p] != '@' {
			continue
		}
		if r, ok := matchRelTail(s[p+1:]); ok {
			r.branch = s[:p]
			return r, true
		}
	}
	return matchRelTail(s)
}

func matchRelTail(t string) (relSpec, bool) {
	k := 0
	for k < len(t) {
		r, size := utf8.DecodeRuneInString(t[k:])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		k += size
	}
	if k >= len(t) || (t[k] != '+' && t[k] != '-') {
		return relSpec{}, false
	}
	j := k + 1
	for j < len(t) && t[j] >= '0' && t[j] <= '9' {
		j++
	}
	if j == k+1 {
		return relSpec{}, false
	}
	n, err := strconv.Atoi(t[k:j])
	if err != nil {
		return relSpec{}, false
	}
	return relSpec{symbol: t[:k], hasSymbol: k > 0, relStr: t[k:j], rel: n}, true
}

// Resolve turns a target spec into revision ids: full ids, unique
// prefixes, labels, label@head, label@base, rev@head, head, heads, base
// (no revision: an empty list), current (the version rows) and the
// relative forms. current holds the database's version rows; it may be
// nil.
//
// Relative forms follow the command that uses them: +N, rev+N, rev-N and
// label@+N resolve as upgrade targets (+N counts up from the single
// current revision, or from the single base). -N and label@-N resolve as
// downgrade targets from the current rows when there are rows, and, with
// no rows, walk down from every head the way `alembic show -1` does. A walk
// that runs off the graph or has to choose between branches is a
// RelativeError.
func (g *Graph) Resolve(spec string, current []string) ([]string, error) {
	if spec == "current" {
		xs, err := g.getRevisionsList(current)
		if err != nil {
			return nil, err
		}
		return g.idsOf(xs), nil
	}
	var xs []rv
	var err error
	if m, ok := matchRelative(spec); ok && m.rel < 0 && !m.hasSymbol {
		if len(current) > 0 {
			var x rv
			_, x, err = g.parseDowngradeTarget(listSpec(current), spec, true)
			xs = []rv{x}
		} else {
			xs, err = g.getRevisions(spec)
		}
	} else {
		xs, err = g.parseUpgradeTarget(current, spec, true)
	}
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x < 0 {
			return nil, g.offGraph(spec)
		}
		out = append(out, g.id(x))
	}
	return out, nil
}

func (g *Graph) offGraph(spec string) error {
	if r, ok := matchRelative(spec); ok {
		if r.rel < 0 {
			return &RelativeError{Spec: spec, Reason: "walks below base (" + r.relStr + " is too far)"}
		}
		return &RelativeError{Spec: spec, Reason: "walks past the end of the graph (" + r.relStr + " is too far)"}
	}
	return &RelativeError{Spec: spec, Reason: "walks below base"}
}
