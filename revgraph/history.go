package revgraph

import "strings"

// History returns the revisions of a range (a:b, :b, a:, or "" for all),
// newest first, in the order `alembic history` prints them. current holds
// the version rows; "current" on either side of the range stands for
// them, and on an empty database `:current` lists everything.
func (g *Graph) History(rangeSpec string, current []string) ([]*Revision, error) {
	var base, head string
	if rangeSpec != "" {
		if !strings.Contains(rangeSpec, ":") {
			return nil, &RangeError{Reason: "history range " + rangeSpec + " requires [start]:[end], [start]:, or :[end]"}
		}
		parts := strings.Split(strings.TrimSpace(rangeSpec), ":")
		if len(parts) != 2 {
			return nil, &RangeError{Reason: "history range " + rangeSpec + " has more than one colon"}
		}
		base, head = parts[0], parts[1]
	}
	lower, upper := strSpec(base), strSpec(head)
	if base == "" {
		lower = strSpec("base")
	}
	if head == "" {
		upper = strSpec("heads")
	}
	switch {
	case head == "current":
		if len(current) > 0 {
			upper = listSpec(current)
		} else {
			upper = strSpec("heads")
		}
	case base == "current":
		if len(current) > 0 {
			lower = listSpec(current)
		} else {
			lower = strSpec("base")
		}
	}
	todo, count, targets, err := g.collectUpgrade(upper, lower, true, false, false)
	if err != nil {
		if re, ok := err.(*RangeError); ok && re.Reason == "" {
			return nil, &RangeError{Lower: orBase(base), Upper: orHeads(head)}
		}
		return nil, err
	}
	order, err := g.topoSort(todo, count, targets)
	if err != nil {
		return nil, err
	}
	out := make([]*Revision, len(order))
	for i, x := range order {
		out[i] = g.nodes[x].rev
	}
	return out, nil
}

func orBase(s string) string {
	if s == "" {
		return "base"
	}
	return s
}

func orHeads(s string) string {
	if s == "" {
		return "heads"
	}
	return s
}
