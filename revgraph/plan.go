package revgraph

import (
	"errors"
	"slices"
	"strings"
)

// collectUpgrade computes the revisions between lower and upper (Alembic's
// _collect_upgrade_revisions) and the targets the walk starts from.
func (g *Graph) collectUpgrade(upper, lower spec, inclusive, implicitBase, assertLen bool) ([]bool, int, []rv, error) {
	targets, err := g.parseUpgradeTargetSpec(lower, upper, assertLen)
	if err != nil {
		return nil, 0, nil, err
	}
	for _, t := range targets {
		if t < 0 {
			return nil, 0, nil, g.offGraph(upper.String())
		}
	}
	if !lower.isList && !lower.none && strings.Contains(lower.s, "@") {
		branch, _, _ := strings.Cut(lower.s, "@")
		br, err := g.getRevision(branch)
		if err != nil {
			return nil, 0, nil, err
		}
		if br >= 0 && g.id(br) == branch {
			if l := g.nodes[br].labels; len(l) != 1 {
				return nil, 0, nil, &RangeError{Reason: "revision " + branch + " carries " + plural(len(l), "branch label") +
					"; name a branch label instead of the revision"}
			} else {
				branch = l[0]
			}
		}
		var keep []rv
		for _, t := range targets {
			if slices.Contains(g.nodes[t].labels, branch) && !slices.Contains(keep, t) {
				keep = append(keep, t)
			}
		}
		targets = keep
	}
	required, err := g.ancestorSet(targets, true, true)
	if err != nil {
		return nil, 0, nil, err
	}
	current, err := g.getRevisionsSpec(lower)
	if err != nil {
		return nil, 0, nil, err
	}
	if !implicitBase {
		for _, c := range current {
			if c != rvNone && (c == rvBase || !required[c]) {
				return nil, 0, nil, &RangeError{Lower: lower.String(), Upper: upper.String()}
			}
		}
	}
	if len(current) > 0 && current[0] == rvNone {
		_, r, err := g.parseDowngradeTarget(upper, lower.s, assertLen)
		if err != nil {
			return nil, 0, nil, err
		}
		if r == rvNone {
			return nil, 0, nil, g.offGraph(lower.String())
		}
		if r == rvBase {
			current = nil
			lower = spec{none: true}
		} else {
			current = []rv{r}
			lower = strSpec(g.id(r))
		}
	}
	have, err := g.ancestorSet(current, true, true)
	if err != nil {
		return nil, 0, nil, err
	}
	todo := required
	for i := range todo {
		if have[i] {
			todo[i] = false
		}
	}
	if inclusive {
		low, err := g.getRevisionsSpec(lower)
		if err != nil {
			return nil, 0, nil, err
		}
		for _, x := range low {
			if x < 0 {
				return nil, 0, nil, g.offGraph(lower.String())
			}
			todo[x] = true
		}
	}
	if len(current) > 0 && !implicitBase {
		desc, err := g.descendantSet(current, false, true)
		if err != nil {
			return nil, 0, nil, err
		}
		for i := range todo {
			if !desc[i] {
				todo[i] = false
			}
		}
	}
	count := 0
	for _, in := range todo {
		if in {
			count++
		}
	}
	return todo, count, targets, nil
}

func plural(n int, what string) string {
	switch n {
	case 0:
		return "no " + what
	case 1:
		return "one " + what
	}
	return "several " + what + "s"
}

// collectDowngrade computes the revisions to revert from the version rows
// down to target (Alembic's _collect_downgrade_revisions).
func (g *Graph) collectDowngrade(rows []string, target string) ([]bool, int, []rv, error) {
	branch, tr, err := g.parseDowngradeTarget(listSpec(rows), target, true)
	if err != nil {
		return nil, 0, nil, err
	}
	if tr == rvBase {
		tr = rvNone
	}
	var roots []rv
	if tr == rvNone {
		for i := range g.nodes {
			if len(g.nodes[i].down) == 0 {
				roots = append(roots, rv(i))
			}
		}
		for _, at := range g.labelAt {
			if len(g.nodes[at].down) == 0 {
				roots = append(roots, at)
			}
		}
	} else {
		roots = slices.Clone(g.nodes[tr].next)
	}
	if branch != "" && len(roots) > 1 {
		b, err := g.resolveBranch(branch)
		if err != nil {
			return nil, 0, nil, err
		}
		anc, err := g.ancestorSet([]rv{b}, false, false)
		if err != nil {
			return nil, 0, nil, err
		}
		var keep []rv
		for _, r := range roots {
			if anc[r] && !slices.Contains(keep, r) {
				keep = append(keep, r)
			}
		}
		roots = keep
		if len(roots) == 0 {
			return nil, 0, nil, &RangeError{Reason: "destination " + target + " is not a valid downgrade target from current heads"}
		}
	}
	heads, err := g.getRevisionsList(rows)
	if err != nil {
		return nil, 0, nil, err
	}
	drop, err := g.descendantSet(roots, true, false)
	if err != nil {
		return nil, 0, nil, err
	}
	active, err := g.ancestorSet(heads, true, false)
	if err != nil {
		return nil, 0, nil, err
	}
	count := 0
	for i := range drop {
		drop[i] = drop[i] && active[i]
		if drop[i] {
			count++
		}
	}
	if tr != rvNone && count == 0 && !slices.Contains(heads, tr) {
		if active[tr] {
			return nil, 0, nil, &DependencyError{Target: target, Dependents: g.dependentsIn(tr, active)}
		}
		return nil, 0, nil, &RangeError{Reason: "destination " + target + " is not a valid downgrade target from current head(s)"}
	}
	return drop, count, heads, nil
}

// dependentsIn lists the revisions of set that depend (through depends_on)
// on t or on a descendant-free path above t.
func (g *Graph) dependentsIn(t rv, set []bool) []string {
	var out []string
	for i, in := range set {
		if !in {
			continue
		}
		for _, d := range g.nodes[i].deps {
			if g.isAncestor(t, d, true) {
				out = append(out, g.id(rv(i)))
				break
			}
		}
	}
	return out
}

// versionTable replays Alembic's HeadMaintainer on the version rows. Rows
// keep their order; a removed row leaves a dead slot (live reports which),
// so every operation costs one map access however many rows there are.
type versionTable struct {
	slots []string
	pos   map[string]int // live row -> its slot
}

func newVersionTable(rows []string) *versionTable {
	t := &versionTable{slots: slices.Clone(rows), pos: make(map[string]int, len(rows))}
	for i, r := range rows {
		if _, dup := t.pos[r]; !dup {
			t.pos[r] = i
		}
	}
	return t
}

// live reports whether slot i holds a row. Of a row given twice in the
// initial rows only the first slot is live.
func (t *versionTable) live(i int) bool {
	j, ok := t.pos[t.slots[i]]
	return ok && j == i
}

// rows lists the live rows in order; never nil.
func (t *versionTable) rows() []string {
	out := make([]string, 0, len(t.pos))
	for i, r := range t.slots {
		if t.live(i) {
			out = append(out, r)
		}
	}
	return out
}

// each calls f on every live row in order until f returns false.
func (t *versionTable) each(f func(string) bool) {
	for i, r := range t.slots {
		if t.live(i) && !f(r) {
			return
		}
	}
}

func (t *versionTable) has(v string) bool {
	_, ok := t.pos[v]
	return ok
}

func (t *versionTable) insert(v string) (VersionOp, error) {
	if t.has(v) {
		return VersionOp{}, &RangeError{Reason: "revision " + v + " is already a version row"}
	}
	t.pos[v] = len(t.slots)
	t.slots = append(t.slots, v)
	return VersionOp{Kind: OpInsert, To: v}, nil
}

func (t *versionTable) delete(v string) (VersionOp, error) {
	if !t.has(v) {
		return VersionOp{}, &RangeError{Reason: "revision " + v + " is not a version row"}
	}
	delete(t.pos, v)
	if dead := len(t.slots) - len(t.pos); dead > 32 && dead > len(t.pos) {
		// Keep walks over the rows proportional to the rows.
		t.slots = t.rows()
		for i, r := range t.slots {
			t.pos[r] = i
		}
	}
	return VersionOp{Kind: OpDelete, From: v}, nil
}

func (t *versionTable) update(from, to string) (VersionOp, error) {
	if t.has(to) {
		return VersionOp{}, &RangeError{Reason: "revision " + to + " is already a version row"}
	}
	i, ok := t.pos[from]
	if !ok {
		return VersionOp{}, &RangeError{Reason: "revision " + from + " is not a version row"}
	}
	delete(t.pos, from)
	t.slots[i] = to
	t.pos[to] = i
	return VersionOp{Kind: OpUpdate, From: from, To: to}, nil
}

// inAncestryOfRows reports, for each of xs, whether it is one of the rows
// other than those skip accepts, or an ancestor of one (depends_on
// included). One walk down from all those rows answers for every x: it
// stops below the oldest x, so a merge of n parents costs the ancestry
// between the rows and the parents once, not n times.
func (g *Graph) inAncestryOfRows(xs []rv, t *versionTable, skip func(string) bool) []bool {
	out := make([]bool, len(xs))
	if len(xs) == 0 {
		return out
	}
	want := make(map[int32][]int, len(xs))
	minGen := g.nodes[xs[0]].gen
	for i, x := range xs {
		want[x] = append(want[x], i)
		minGen = min(minGen, g.nodes[x].gen)
	}
	left := len(want)
	seen := map[int32]bool{}
	var stack []int32
	visit := func(x int32) {
		if seen[x] {
			return
		}
		seen[x] = true
		if is, ok := want[x]; ok {
			for _, i := range is {
				out[i] = true
			}
			left--
		}
		if g.nodes[x].gen > minGen {
			stack = append(stack, x)
		}
	}
	t.each(func(r string) bool {
		if skip(r) {
			return true
		}
		if h, err := g.getRevision(r); err == nil && h >= 0 {
			visit(h)
		}
		for len(stack) > 0 && left > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, d := range g.nodes[x].normDown {
				visit(d)
			}
		}
		return left > 0
	})
	return out
}

// revisionOps are the version-row changes after running x in direction up
// or down (Alembic's HeadMaintainer.update_to_step for a RevisionStep).
func (g *Graph) revisionOps(t *versionTable, x rv, up bool) ([]VersionOp, error) {
	nd := &g.nodes[x]
	id := nd.rev.ID
	if up && len(nd.normDown) == 1 {
		// The common case: one parent. A new row when the parent holds
		// none (a second branch), else the parent's row moves up.
		d := g.nodes[nd.normDown[0]].rev.ID
		if !t.has(d) {
			op, err := t.insert(id)
			return []VersionOp{op}, err
		}
		op, err := t.update(d, id)
		return []VersionOp{op}, err
	}
	down := g.idsOf(nd.normDown)
	downSet := make(map[string]bool, len(down))
	for _, d := range down {
		downSet[d] = true
	}
	inDown := func(r string) bool { return downSet[r] }
	var ops []VersionOp
	add := func(op VersionOp, err error) error {
		if err == nil {
			ops = append(ops, op)
		}
		return err
	}
	unmergeTo := func() []string {
		var to []string
		held := g.inAncestryOfRows(nd.normDown, t, func(r string) bool { return r == id })
		for i, d := range nd.normDown {
			if !held[i] {
				to = append(to, g.id(d))
			}
		}
		return to
	}
	heldDown := func() []string {
		var held []string
		t.each(func(r string) bool {
			if inDown(r) {
				held = append(held, r)
			}
			return true
		})
		return held
	}
	if !up && t.has(id) && (len(down) == 0 || len(unmergeTo()) == 0) {
		return ops, add(t.delete(id))
	}
	if up && (len(down) == 0 || len(heldDown()) == 0) {
		return ops, add(t.insert(id))
	}
	if up && len(down) > 1 && len(heldDown()) > 1 {
		// Alembic also tries to remove parents that are not rows (a
		// dependency already implied by another parent) and crashes;
		// only rows are replaced here.
		var from []string
		implied := g.inAncestryOfRows(nd.normDown, t, inDown)
		for i, d := range nd.normDown {
			if t.has(g.id(d)) && !implied[i] {
				from = append(from, g.id(d))
			}
		}
		if len(from) == 0 {
			return nil, &RangeError{Reason: "merge " + id + " finds none of its parents among the version rows"}
		}
		for _, f := range from[:len(from)-1] {
			if err := add(t.delete(f)); err != nil {
				return nil, err
			}
		}
		return ops, add(t.update(from[len(from)-1], id))
	}
	if !up && t.has(id) && len(down) > 1 {
		to := unmergeTo()
		for _, r := range to[:len(to)-1] {
			if err := add(t.insert(r)); err != nil {
				return nil, err
			}
		}
		return ops, add(t.update(id, to[len(to)-1]))
	}
	var d string
	if len(down) != 1 {
		held := heldDown()
		if len(held) != 1 {
			return nil, &RangeError{Reason: "cannot move the version row of " + id + ": its down revisions " + joinIDs(down) +
				" are held by " + plural(len(held), "row")}
		}
		d = held[0]
	} else {
		d = down[0]
	}
	if up {
		return ops, add(t.update(d, id))
	}
	return ops, add(t.update(id, d))
}

// Upgrade plans the steps from the version rows in current up to target.
func (g *Graph) Upgrade(current []string, target string) (*Plan, error) {
	todo, count, targets, err := g.collectUpgrade(strSpec(target), listSpec(current), false, true, true)
	if err != nil {
		return nil, g.destErr(err, target, "upgrade")
	}
	order, err := g.topoSort(todo, count, targets)
	if err != nil {
		return nil, err
	}
	slices.Reverse(order)
	return g.runSteps(current, order, true)
}

// Downgrade plans the steps from the version rows in current down to target.
func (g *Graph) Downgrade(current []string, target string) (*Plan, error) {
	todo, count, heads, err := g.collectDowngrade(current, target)
	if err != nil {
		return nil, g.destErr(err, target, "downgrade")
	}
	order, err := g.topoSort(todo, count, heads)
	if err != nil {
		return nil, err
	}
	return g.runSteps(current, order, false)
}

func (g *Graph) destErr(err error, target, verb string) error {
	var re *RangeError
	if errors.As(err, &re) && re.Reason == "" {
		return &RangeError{Lower: re.Lower, Upper: re.Upper, Reason: "destination " + target + " is not a valid " + verb + " target from current head(s)"}
	}
	return err
}

func (g *Graph) runSteps(current []string, order []int32, up bool) (*Plan, error) {
	t := newVersionTable(current)
	p := &Plan{From: slices.Clone(current), Steps: make([]Step, 0, len(order))}
	dir := Up
	if !up {
		dir = Down
	}
	for _, x := range order {
		ops, err := g.revisionOps(t, x, up)
		if err != nil {
			return nil, err
		}
		p.Steps = append(p.Steps, Step{Revision: g.nodes[x].rev, Direction: dir, Ops: ops})
	}
	p.To = t.rows()
	return p, nil
}

// Stamp plans the version-row changes that make the table say target
// without running any revision. With purge the rows in current are ignored
// and replaced (Plan.Purge is set: the table is emptied first). Each step's
// Revision is the revision stamped (for a stamp to base, the row removed).
func (g *Graph) Stamp(current []string, target string, purge bool) (*Plan, error) {
	return g.StampAll(current, []string{target}, purge)
}

// StampAll is Stamp to several targets at once (`stamp a b`), as Alembic
// accepts: each target is resolved and stamped in turn, and base among
// others adds nothing.
func (g *Graph) StampAll(current, targets []string, purge bool) (*Plan, error) {
	target := strings.Join(targets, " ")
	heads := current
	if purge {
		heads = nil
	}
	headRevs, err := g.getRevisionsList(heads)
	if err != nil {
		return nil, err
	}
	for _, h := range headRevs {
		if h < 0 {
			return nil, &NotFoundError{Name: g.id(h)}
		}
	}
	var filtered []rv
	for _, tg := range targets {
		if tg == "" {
			continue
		}
		fh, err := g.filterForLineage(headRevs, tg, true)
		if err != nil {
			return nil, err
		}
		for _, h := range fh {
			if !slices.Contains(filtered, h) {
				filtered = append(filtered, h)
			}
		}
	}
	if len(targets) == 0 || len(targets) == 1 && targets[0] == "" {
		targets, target = []string{"base"}, "base"
	}
	var dests []rv
	for _, tg := range targets {
		xs, err := g.getRevisions(tg)
		if err != nil {
			return nil, err
		}
		dests = append(dests, xs...)
	}
	if len(dests) == 0 {
		dests = []rv{rvNone}
	}
	// Alembic stamps a revision named twice (two heads walking down to
	// one revision) twice and crashes; once is enough.
	dests = slices.Compact(dests)
	for i := 0; i < len(dests); i++ {
		if slices.Contains(dests[:i], dests[i]) {
			dests = slices.Delete(dests, i, i+1)
			i--
		}
	}
	t := newVersionTable(heads)
	p := &Plan{From: slices.Clone(current), StampOnly: true, Purge: purge}
	step := func(rev rv, dir Direction, ops ...func() (VersionOp, error)) error {
		s := Step{Revision: g.nodes[rev].rev, Direction: dir}
		for _, f := range ops {
			op, err := f()
			if err != nil {
				return err
			}
			s.Ops = append(s.Ops, op)
		}
		p.Steps = append(p.Steps, s)
		return nil
	}
	for _, dest := range dests {
		if dest == rvBase {
			return nil, g.offGraph(target)
		}
		if dest == rvNone {
			for _, h := range filtered {
				hid := g.id(h)
				if err := step(h, Down, func() (VersionOp, error) { return t.delete(hid) }); err != nil {
					return nil, err
				}
			}
			continue
		}
		if slices.Contains(filtered, dest) {
			continue
		}
		did := g.id(dest)
		var above, below bool
		for _, h := range filtered {
			if g.isAncestor(dest, h, true) {
				above = true
			}
			if g.isAncestor(h, dest, true) {
				below = true
			}
		}
		var from []string
		for _, h := range filtered {
			from = append(from, g.id(h))
		}
		var err error
		switch {
		case above || below:
			dir := Up
			if above {
				dir = Down
			}
			err = g.stampMove(t, step, dest, dir, from)
		default:
			err = step(dest, Up, func() (VersionOp, error) {
				if t.has(did) {
					return VersionOp{}, &RangeError{Reason: "revision " + did + " is already a version row"}
				}
				return t.insert(did)
			})
		}
		if err != nil {
			return nil, err
		}
	}
	p.To = t.rows()
	return p, nil
}

// stampMove replays a non-branch StampStep from the rows in from to dest.
func (g *Graph) stampMove(t *versionTable, step func(rv, Direction, ...func() (VersionOp, error)) error, dest rv, dir Direction, from []string) error {
	did := g.id(dest)
	var ops []func() (VersionOp, error)
	missing := false
	for _, f := range from {
		if !t.has(f) {
			missing = true
		}
	}
	switch {
	case dir == Up && missing && !t.has(did):
		ops = append(ops, func() (VersionOp, error) { return t.insert(did) })
	case len(from) > 1:
		for _, f := range from[:len(from)-1] {
			ops = append(ops, func() (VersionOp, error) { return t.delete(f) })
		}
		last := from[len(from)-1]
		ops = append(ops, func() (VersionOp, error) { return t.update(last, did) })
	default:
		f := from[0]
		ops = append(ops, func() (VersionOp, error) { return t.update(f, did) })
	}
	return step(dest, dir, ops...)
}
