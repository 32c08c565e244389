package revgraph

import (
	"slices"
	"testing"
)

// TestWideMerge checks the plans of a merge of many heads from partial
// states: every parent row is replaced by the merge, and reverting the
// merge brings back every parent.
func TestWideMerge(t *testing.T) {
	const n = 300
	g, err := New(wideMerge(n))
	if err != nil {
		t.Fatal(err)
	}
	applied := []string{"h000007", "h000100", "h000299"}
	p, err := g.Upgrade(applied, "heads")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != n-len(applied)+1 {
		t.Errorf("%d steps, want %d", len(p.Steps), n-len(applied)+1)
	}
	if !slices.Equal(p.To, []string{"merge0"}) {
		t.Errorf("rows after upgrade %v, want [merge0]", p.To)
	}
	last := p.Steps[len(p.Steps)-1]
	if last.Revision.ID != "merge0" || len(last.Ops) != n {
		t.Fatalf("last step %s with %d ops, want merge0 with %d", last.Revision.ID, len(last.Ops), n)
	}
	if op := last.Ops[n-1]; op.Kind != OpUpdate || op.To != "merge0" {
		t.Errorf("last op %v, want an update to merge0", op)
	}
	// Down to one parent: only the merge is reverted, and every parent
	// becomes a row again, the last one in the merge's place.
	d, err := g.Downgrade([]string{"merge0"}, "h000042")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Steps) != 1 || len(d.To) != n || d.To[0] != "h000299" || d.To[1] != "h000000" {
		t.Errorf("downgrade: %d steps, rows %v…, want 1 step and %d rows from h000299, h000000", len(d.Steps), d.To[:min(3, len(d.To))], n)
	}
	u, err := g.Upgrade(d.To, "heads")
	if err != nil || len(u.Steps) != 1 || !slices.Equal(u.To, []string{"merge0"}) {
		t.Errorf("re-upgrade: %v, %d steps, rows %v", err, len(u.Steps), u.To)
	}
	b, err := g.Downgrade([]string{"merge0"}, "base")
	if err != nil || len(b.Steps) != n+2 || len(b.To) != 0 {
		t.Errorf("downgrade to base: %v, %d steps, rows %v", err, len(b.Steps), b.To)
	}
}
