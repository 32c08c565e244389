package revgraph

import (
	"container/heap"
	"sort"
)

// explorer answers "is y an ancestor of (or equal to) the head" lazily: it
// expands the head's ancestry in decreasing generation order only as far as
// the queries need, so a walk down a long branch costs linear time overall.
type explorer struct {
	g    *Graph
	seen map[int32]struct{}
	h    genHeap
}

type genHeap struct {
	g  *Graph
	xs []int32
}

func (h genHeap) Len() int           { return len(h.xs) }
func (h genHeap) Less(i, j int) bool { return h.g.nodes[h.xs[i]].gen > h.g.nodes[h.xs[j]].gen }
func (h genHeap) Swap(i, j int)      { h.xs[i], h.xs[j] = h.xs[j], h.xs[i] }
func (h *genHeap) Push(x any)        { h.xs = append(h.xs, x.(int32)) }
func (h *genHeap) Pop() any {
	x := h.xs[len(h.xs)-1]
	h.xs = h.xs[:len(h.xs)-1]
	return x
}

func newExplorer(g *Graph, head int32) *explorer {
	e := &explorer{g: g, seen: map[int32]struct{}{head: {}}, h: genHeap{g: g, xs: []int32{head}}}
	return e
}

func (e *explorer) has(y int32) bool {
	gy := e.g.nodes[y].gen
	for e.h.Len() > 0 && e.g.nodes[e.h.xs[0]].gen > gy {
		x := heap.Pop(&e.h).(int32)
		for _, d := range e.g.nodes[x].normDown {
			if _, ok := e.seen[d]; !ok {
				e.seen[d] = struct{}{}
				heap.Push(&e.h, d)
			}
		}
	}
	_, ok := e.seen[y]
	return ok
}

// moveDown turns the explorer of old into the explorer of its single parent
// next: the ancestry of next is the ancestry of old without old.
func (e *explorer) moveDown(old, next int32) {
	if e.h.Len() == 1 && e.h.xs[0] == old {
		clear(e.seen)
		e.seen[next] = struct{}{}
		e.h.xs[0] = next
		return
	}
	delete(e.seen, old)
	if _, ok := e.seen[next]; !ok {
		// old has not been expanded yet; expand it now.
		e.seen[next] = struct{}{}
		heap.Push(&e.h, next)
		for i, x := range e.h.xs {
			if x == old {
				heap.Remove(&e.h, i)
				break
			}
		}
	}
}

// pending is the list of heads a topological walk still has to finish, in
// the order Alembic keeps it. A head removed from the list leaves a dead
// slot and new heads take new slots at the end, so slot order is list
// order; a tree of the largest generation under each range of slots finds
// the first head that could have a given revision as an ancestor without
// asking every head.
type pending struct {
	g    *Graph
	node []int32     // slot -> head (meaningful while alive)
	exp  []*explorer // slot -> explorer of the head's ancestry
	tree []int32     // max generation per range of slots; -1 for none
	size int         // leaves in tree
	live int
}

func newPending(g *Graph, capacity int) *pending {
	size := 1
	for size < capacity {
		size *= 2
	}
	p := &pending{g: g, tree: make([]int32, 2*size), size: size}
	for i := range p.tree {
		p.tree[i] = -1
	}
	return p
}

func (p *pending) set(slot int, gen int32) {
	i := slot + p.size
	p.tree[i] = gen
	for i > 1 {
		i /= 2
		p.tree[i] = max(p.tree[2*i], p.tree[2*i+1])
	}
}

// push appends head x and returns its slot.
func (p *pending) push(x int32) int {
	slot := len(p.node)
	if slot == p.size {
		p.grow()
	}
	p.node = append(p.node, x)
	p.exp = append(p.exp, newExplorer(p.g, x))
	p.set(slot, p.g.nodes[x].gen)
	p.live++
	return slot
}

func (p *pending) grow() {
	q := newPending(p.g, 2*p.size)
	for slot := range p.node {
		q.tree[q.size+slot] = p.tree[p.size+slot]
	}
	for i := q.size - 1; i > 0; i-- {
		q.tree[i] = max(q.tree[2*i], q.tree[2*i+1])
	}
	p.tree, p.size = q.tree, q.size
}

// replace puts head x into slot in place of the head there.
func (p *pending) replace(slot int, x int32, exp *explorer) {
	p.node[slot] = x
	p.exp[slot] = exp
	p.set(slot, p.g.nodes[x].gen)
}

func (p *pending) remove(slot int) {
	p.exp[slot] = nil
	p.set(slot, -1)
	p.live--
}

func (p *pending) alive(slot int) bool { return p.tree[p.size+slot] >= 0 }

// firstAbove returns the first live slot at or after from whose head's
// generation exceeds gen, or -1.
func (p *pending) firstAbove(from int, gen int32) int {
	if from >= len(p.node) {
		return -1
	}
	// Walk up from the leaf of from, looking right for a subtree that
	// qualifies, then down it to its leftmost qualifying leaf.
	i := from + p.size
	if p.tree[i] > gen {
		return from
	}
	for i > 1 {
		if i%2 == 0 && p.tree[i+1] > gen {
			i++
			for i < p.size {
				if p.tree[2*i] > gen {
					i = 2 * i
				} else {
					i = 2*i + 1
				}
			}
			return i - p.size
		}
		i /= 2
	}
	return -1
}

// prev is the live slot before slot, or the first live slot if none.
func (p *pending) prev(slot int) int {
	for s := slot - 1; s >= 0; s-- {
		if p.alive(s) {
			return s
		}
	}
	return p.firstAbove(0, -1)
}

// topoSort orders todo newest first the way Alembic's _topological_sort
// does: it walks down from the heads in declaration order, finishing a
// branch before moving on unless another pending head still needs the
// candidate as an ancestor.
func (g *Graph) topoSort(todo []bool, count int, heads []rv) ([]int32, error) {
	inCur := make([]bool, len(g.nodes))
	var start []int32
	for _, h := range heads {
		if h >= 0 && todo[h] && !inCur[h] {
			inCur[h] = true
			start = append(start, h)
		}
	}
	sort.Slice(start, func(i, j int) bool { return start[i] < start[j] })
	cur := newPending(g, len(start)+1)
	for _, h := range start {
		cur.push(h)
	}
	out := make([]int32, 0, count)
	idx := 0
	for {
		if cur.live == 0 {
			if len(out) == count {
				break
			}
			// Alembic fails an assertion here: some revisions of the range
			// are reachable only through revisions outside it. Continue
			// from the newest of them instead.
			tips := g.tips(todo)
			cur = newPending(g, len(tips)+1)
			for _, h := range tips {
				inCur[h] = true
				cur.push(h)
			}
			idx = 0
		}
		cand := cur.node[idx]
		// Only a head of a later generation can have cand as an ancestor
		// (the heads are distinct, so none is cand itself).
		switched := false
		gen := g.nodes[cand].gen
		for j := cur.firstAbove(0, gen); j >= 0; j = cur.firstAbove(j+1, gen) {
			if j != idx && cur.exp[j].has(cand) {
				idx = j
				switched = true
				break
			}
		}
		if switched {
			continue
		}
		if todo[cand] {
			out = append(out, cand)
			todo[cand] = false
		}
		nd := &g.nodes[cand]
		var add []int32
		for _, r := range nd.normDown {
			if todo[r] && !inCur[r] {
				add = append(add, r)
			}
		}
		inCur[cand] = false
		if len(add) == 0 {
			cur.remove(idx)
			if cur.live > 0 {
				idx = cur.prev(idx)
			}
			continue
		}
		inCur[add[0]] = true
		if !nd.normDeps && len(nd.down) == 1 {
			e := cur.exp[idx]
			e.moveDown(cand, add[0])
			cur.replace(idx, add[0], e)
		} else {
			cur.replace(idx, add[0], newExplorer(g, add[0]))
			for _, a := range add[1:] {
				inCur[a] = true
				cur.push(a)
			}
		}
	}
	return out, nil
}

// tips lists the revisions of todo that no other revision of todo has as a
// parent or dependency, in declaration order.
func (g *Graph) tips(todo []bool) []int32 {
	var out []int32
	for i, in := range todo {
		if !in {
			continue
		}
		tip := true
		for _, c := range g.nodes[i].allNext {
			if todo[c] {
				tip = false
				break
			}
		}
		if tip {
			out = append(out, int32(i))
		}
	}
	return out
}
