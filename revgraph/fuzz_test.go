package revgraph

import (
	"fmt"
	"testing"
)

// fuzzGraph is a small graph with every feature the parser can reach:
// branches, a merge, labels, a dependency and ids that share prefixes.
func fuzzGraph(t testing.TB) *Graph {
	g, err := New([]Revision{
		{ID: "base1"}, {ID: "abc", Down: []string{"base1"}},
		{ID: "abcd1", Down: []string{"abc"}, BranchLabels: []string{"left"}},
		{ID: "abcd2", Down: []string{"abc"}, BranchLabels: []string{"right"}},
		{ID: "merge1", Down: []string{"abcd1", "abcd2"}},
		{ID: "other1", BranchLabels: []string{"other"}},
		{ID: "other2", Down: []string{"other1"}, DependsOn: []string{"left"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"head", "heads", "base", "abc", "ab", "left@head", "left@base", "left@-1",
		"left@+2", "+1", "-1", "abc+1", "merge1-2", "other@heads", "x@y@+1", "a:b", ":current", "-1:", "@", "+",
		"abcd1@abc-1", "heads@head", "current", "9999999999999999999999+1"} {
		f.Add(s, 0)
		f.Add(s, 3)
	}
	g := fuzzGraph(f)
	rowsets := [][]string{nil, {"merge1"}, {"abcd1", "abcd2"}, {"other2"}, {"abc", "other1"}, {"nope"}}
	f.Fuzz(func(t *testing.T, spec string, k int) {
		if k < 0 {
			k = -k
		}
		rows := rowsets[k%len(rowsets)]
		_, _ = g.Resolve(spec, rows)
		_, _ = g.Upgrade(rows, spec)
		_, _ = g.Downgrade(rows, spec)
		_, _ = g.Stamp(rows, spec, k%2 == 0)
		_, _ = g.History(spec, rows)
		_, _ = g.History(spec+":", rows)
		_, _ = g.History(":"+spec, rows)
	})
}

func FuzzNew(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{5, 5, 5, 5, 200, 17, 33, 1, 2, 250, 251, 252, 7})
	f.Add([]byte("a graph out of arbitrary bytes"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 400 {
			data = data[:400]
		}
		var revs []Revision
		names := func(b byte) string { return fmt.Sprintf("r%02d", b%24) }
		for i := 0; i+3 < len(data); i += 4 {
			r := Revision{ID: names(data[i])}
			if data[i+1]%5 != 0 {
				r.Down = append(r.Down, names(data[i+1]))
			}
			if data[i+1]%7 == 1 {
				r.Down = append(r.Down, names(data[i+2]))
			}
			if data[i+2]%6 == 2 {
				r.DependsOn = append(r.DependsOn, names(data[i+3]))
			}
			if data[i+3]%9 == 4 {
				r.BranchLabels = []string{fmt.Sprintf("l%d", data[i+3]%3)}
			}
			if data[i+3]%11 == 5 {
				r.DependsOn = append(r.DependsOn, fmt.Sprintf("l%d", data[i]%3))
			}
			revs = append(revs, r)
		}
		g, err := New(revs)
		if err != nil {
			return
		}
		_ = g.Heads()
		_ = g.BranchPoints()
		p, err := g.Upgrade(nil, "heads")
		if err != nil {
			return
		}
		if _, err := g.Downgrade(p.To, "base"); err != nil && len(p.To) > 0 {
			_ = err
		}
		for _, spec := range []string{"head", "-1", "+1", "l0@head", "l1@-1", "r01", "r0"} {
			_, _ = g.Resolve(spec, p.To)
			_, _ = g.Stamp(p.To, spec, false)
			_, _ = g.Downgrade(p.To, spec)
		}
		_, _ = g.History("", p.To)
		_, _ = g.Current(p.To)
	})
}
