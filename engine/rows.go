package engine

import (
	"fmt"
	"slices"
)

// versionRows is the runner's picture of the version table: the rows as the
// steps so far leave them, and the rows as last written to the table. Rows
// keep their order; a row's slot never moves (an update takes the slot of
// the row it replaces, a removal leaves the slot dead), so that each change
// and each flush cost what they touch, not the number of rows: a merge of
// thousands of heads stays linear.
type versionRows struct {
	slots   []string
	pos     map[string]int // row now -> slot
	flushed map[string]int // row as written -> slot
	touched []string       // rows added or removed since the last flush
	seen    map[string]bool
}

func newVersionRows(rows []string) *versionRows {
	v := &versionRows{pos: map[string]int{}, flushed: map[string]int{}, seen: map[string]bool{}}
	for _, r := range rows {
		if _, dup := v.pos[r]; !dup {
			v.pos[r] = len(v.slots)
			v.flushed[r] = len(v.slots)
			v.slots = append(v.slots, r)
		}
	}
	return v
}

// list returns the rows now, in order; never nil.
func (v *versionRows) list() []string {
	out := make([]string, 0, len(v.pos))
	for i, r := range v.slots {
		if j, ok := v.pos[r]; ok && j == i {
			out = append(out, r)
		}
	}
	return out
}

func (v *versionRows) touch(r string) {
	if !v.seen[r] {
		v.seen[r] = true
		v.touched = append(v.touched, r)
	}
}

// apply makes one version-row change of the plan in memory.
func (v *versionRows) apply(table string, from, to string, insert, remove bool) error {
	if insert {
		if _, ok := v.pos[to]; ok {
			return fmt.Errorf("version table %s: %s is already a row", table, to)
		}
		v.pos[to] = len(v.slots)
		v.slots = append(v.slots, to)
		v.touch(to)
		return nil
	}
	i, ok := v.pos[from]
	if !ok {
		kind := "update"
		if remove {
			kind = "delete"
		}
		return fmt.Errorf("version table %s: no row %s to %s", table, from, kind)
	}
	delete(v.pos, from)
	v.touch(from)
	if remove {
		return nil
	}
	v.slots[i] = to
	v.pos[to] = i
	v.touch(to)
	return nil
}

// purge empties both pictures: the table is emptied by a DELETE of its own.
func (v *versionRows) purge() {
	clear(v.pos)
	clear(v.flushed)
	clear(v.seen)
	v.slots, v.touched = nil, nil
}

// diff returns the net change since the last flush: the rows to remove in
// the order they were written, and the rows to add in their order now.
func (v *versionRows) diff() (removed, added []string) {
	for _, r := range v.touched {
		_, now := v.pos[r]
		_, was := v.flushed[r]
		switch {
		case was && !now:
			removed = append(removed, r)
		case now && !was:
			added = append(added, r)
		}
	}
	slices.SortFunc(removed, func(a, b string) int { return v.flushed[a] - v.flushed[b] })
	slices.SortFunc(added, func(a, b string) int { return v.pos[a] - v.pos[b] })
	return removed, added
}

// markFlushed records that the table now holds the rows now.
func (v *versionRows) markFlushed() {
	for _, r := range v.touched {
		if i, ok := v.pos[r]; ok {
			v.flushed[r] = i
		} else {
			delete(v.flushed, r)
		}
	}
	clear(v.seen)
	v.touched = v.touched[:0]
}
