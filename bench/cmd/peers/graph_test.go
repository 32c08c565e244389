package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/retort-sql/retort/engine"
)

func TestWriteGraph(t *testing.T) {
	for _, n := range []int{1, 40, 2500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			dir := t.TempDir()
			if err := writeGraph(dir, n); err != nil {
				t.Fatal(err)
			}
			g, err := engine.LoadGraph(engine.Config{Scripts: os.DirFS(dir)})
			if err != nil {
				t.Fatal(err)
			}
			if g.Len() != n {
				t.Errorf("graph has %d revisions, want %d", g.Len(), n)
			}
			if h := g.Heads(); len(h) != 1 {
				t.Errorf("heads %v, want one", h)
			}
			merges := 0
			for _, r := range g.Revisions() {
				if len(r.Down) == 2 {
					merges++
				}
			}
			if want := (n - 1 - 2*graphBranchLength) / graphBranchEvery; n > 2*graphBranchLength && merges < want {
				t.Errorf("%d merges, want at least %d", merges, want)
			}
			p, err := g.Upgrade(nil, "head")
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Steps) != n {
				t.Errorf("plan has %d steps, want %d", len(p.Steps), n)
			}
		})
	}
}
