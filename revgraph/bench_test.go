package revgraph

import (
	"fmt"
	"testing"
)

// benchGraph builds n revisions: a main line where one revision in a
// hundred is a branch point whose two branches (of about twenty revisions
// each) are merged back later.
func benchGraph(n int) []Revision {
	revs := make([]Revision, 0, n)
	id := func(i int) string { return fmt.Sprintf("%012x", uint64(i)*0x9e3779b1%0xffffffffffff) }
	add := func(down ...string) string {
		r := Revision{ID: id(len(revs)), Down: down, Message: "revision"}
		revs = append(revs, r)
		return r.ID
	}
	tip := add()
	for len(revs) < n {
		if len(revs)%100 == 1 && n-len(revs) > 50 {
			a, b := tip, tip
			for k := 0; k < 20; k++ {
				a = add(a)
				b = add(b)
			}
			tip = add(a, b)
			continue
		}
		tip = add(tip)
	}
	return revs
}

func benchUpgrade(b *testing.B, n int) {
	revs := benchGraph(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g, err := New(revs)
		if err != nil {
			b.Fatal(err)
		}
		if len(g.Heads()) != 1 {
			b.Fatal("want one head")
		}
		p, err := g.Upgrade(nil, "head")
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Steps) != n || len(p.To) != 1 {
			b.Fatalf("plan has %d steps, rows %v", len(p.Steps), p.To)
		}
	}
}

// BenchmarkUpgrade10k builds, validates and plans a full upgrade of 10,000
// revisions.
func BenchmarkUpgrade10k(b *testing.B) { benchUpgrade(b, 10_000) }

// BenchmarkUpgrade100k does the same for 100,000 revisions with 1% branch
// points merged back later.
func BenchmarkUpgrade100k(b *testing.B) { benchUpgrade(b, 100_000) }

// BenchmarkHistory10k lists the whole history of 10,000 revisions.
func BenchmarkHistory10k(b *testing.B) {
	g, err := New(benchGraph(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if h, err := g.History("", nil); err != nil || len(h) != 10_000 {
			b.Fatal(err, len(h))
		}
	}
}

// wideMerge builds a base, n heads on top of it and one revision merging
// them all.
func wideMerge(n int) []Revision {
	revs := []Revision{{ID: "base0", Message: "base"}}
	down := make([]string, 0, n)
	for i := range n {
		id := fmt.Sprintf("h%06d", i)
		revs = append(revs, Revision{ID: id, Down: []string{"base0"}, Message: "head"})
		down = append(down, id)
	}
	return append(revs, Revision{ID: "merge0", Down: down, Message: "merge"})
}

// BenchmarkWideMerge builds, plans the upgrade and the downgrade, and lists
// the history of a merge of n heads; the time per doubling of n shows
// whether a step is worse than linear.
func BenchmarkWideMerge(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000} {
		revs := wideMerge(n)
		b.Run(fmt.Sprintf("new/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := New(revs); err != nil {
					b.Fatal(err)
				}
			}
		})
		g, err := New(revs)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("upgrade/%d", n), func(b *testing.B) {
			for b.Loop() {
				p, err := g.Upgrade(nil, "head")
				if err != nil || len(p.Steps) != n+2 || len(p.To) != 1 {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("downgrade/%d", n), func(b *testing.B) {
			for b.Loop() {
				p, err := g.Downgrade([]string{"merge0"}, "base")
				if err != nil || len(p.Steps) != n+2 || len(p.To) != 0 {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("history/%d", n), func(b *testing.B) {
			for b.Loop() {
				if h, err := g.History("", nil); err != nil || len(h) != n+2 {
					b.Fatal(err, len(h))
				}
			}
		})
	}
}
