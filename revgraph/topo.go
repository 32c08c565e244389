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

// topoSort orders todo newest first the way Alembic's _topological_sort
// does: it walks down from the heads in declaration order, finishing a
// branch before moving on unless another pending head still needs the
// candidate as an ancestor.
func (g *Graph) topoSort(todo []bool, count int, heads []rv) ([]int32, error) {
	inCur := make([]bool, len(g.nodes))
	var cur []int32
	for _, h := range heads {
		if h >= 0 && todo[h] && !inCur[h] {
			inCur[h] = true
			cur = append(cur, h)
		}
	}
	sort.Slice(cur, func(i, j int) bool { return cur[i] < cur[j] })
	exps := make([]*explorer, len(cur))
	for i, h := range cur {
		exps[i] = newExplorer(g, h)
	}
	out := make([]int32, 0, count)
	idx := 0
	for {
		if len(cur) == 0 {
			if len(out) == count {
				break
			}
			// Alembic fails an assertion here: some revisions of the range
			// are reachable only through revisions outside it. Continue
			// from the newest of them instead.
			cur = g.tips(todo)
			exps = exps[:0]
			for _, h := range cur {
				inCur[h] = true
				exps = append(exps, newExplorer(g, h))
			}
			idx = 0
		}
		cand := cur[idx]
		switched := false
		for j := range cur {
			if j != idx && exps[j].has(cand) {
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
		if len(add) == 0 {
			inCur[cand] = false
			cur = append(cur[:idx], cur[idx+1:]...)
			exps = append(exps[:idx], exps[idx+1:]...)
			if idx > 0 {
				idx--
			}
			continue
		}
		inCur[cand] = false
		cur[idx] = add[0]
		inCur[add[0]] = true
		if !nd.normDeps && len(nd.down) == 1 {
			exps[idx].moveDown(cand, add[0])
		} else {
			exps[idx] = newExplorer(g, add[0])
			for _, a := range add[1:] {
				inCur[a] = true
				cur = append(cur, a)
				exps = append(exps, newExplorer(g, a))
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
