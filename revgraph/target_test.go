package revgraph

import (
	"errors"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in                        string
		isRange                   bool
		from, to                  string
		relative, current, broken bool
	}{
		{in: "head", to: "head"},
		{in: "", to: ""},
		{in: "ae10", to: "ae10"},
		{in: "billing@head", to: "billing@head"},
		{in: "v1.2@head", to: "v1.2@head"},
		{in: "+2", to: "+2", relative: true},
		{in: "-1", to: "-1", relative: true},
		{in: "billing@-1", to: "billing@-1", relative: true},
		{in: "billing@+1", to: "billing@+1", relative: true},
		{in: "ae10+1", to: "ae10+1"},
		{in: "ae10-2", to: "ae10-2"},
		{in: "current", to: "current", current: true},
		{in: "currently", to: "currently"},
		{in: "a:b", isRange: true, from: "a", to: "b"},
		{in: ":b", isRange: true, to: "b"},
		{in: "a:", isRange: true, from: "a"},
		{in: "current:heads", isRange: true, from: "current", to: "heads", current: true},
		{in: "-1:current", isRange: true, from: "-1", to: "current", relative: true, current: true},
		{in: "a:b:c", broken: true},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if tt.broken {
			if !errors.Is(err, ErrRange) {
				t.Errorf("ParseTarget(%q) = %v, want a range error", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tt.in, err)
			continue
		}
		from, to := got.Range()
		if got.IsRange() != tt.isRange || from != tt.from || to != tt.to || got.Relative() != tt.relative ||
			got.NamesCurrent() != tt.current || got.NeedsRows() != (tt.relative || tt.current) || got.String() != tt.in {
			t.Errorf("ParseTarget(%q) = range %v %q:%q relative %v current %v", tt.in, got.IsRange(), from, to, got.Relative(), got.NamesCurrent())
		}
	}
}

// dependsAcross is lib a1 -> b1 -> c1 and app a2 -> b2 -> c2, b2 depending
// on b1.
func dependsAcross(t *testing.T) *Graph {
	t.Helper()
	g, err := New([]Revision{
		{ID: "a1", BranchLabels: []string{"lib"}}, {ID: "b1", Down: []string{"a1"}}, {ID: "c1", Down: []string{"b1"}},
		{ID: "a2", BranchLabels: []string{"app"}}, {ID: "b2", Down: []string{"a2"}, DependsOn: []string{"b1"}}, {ID: "c2", Down: []string{"b2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestCheckTarget(t *testing.T) {
	g := dependsAcross(t)
	tests := []struct {
		target string
		dir    Direction
		want   error // nil: passes
	}{
		{"app@b1", Down, nil}, // outside app's own revisions, as Alembic accepts
		{"app@a1", Down, nil},
		{"lib@b2", Down, nil},
		{"app@base", Down, nil},
		{"-1", Down, nil},
		{"app@-1", Down, nil},
		{"current", Down, nil},
		{"b1-1", Down, nil},
		{"nosuch@b1", Down, ErrNotFound},
		{"zzzz", Down, ErrNotFound},
		{"a1:b1", Down, ErrRange},
		{"app@head", Up, nil},
		{"+1", Up, nil},
		{"b1+1", Up, nil},
		{"heads", Up, nil},
		{"head", Up, ErrMultipleHeads},
		{"zzzz", Up, ErrNotFound},
	}
	for _, tt := range tests {
		tg, err := ParseTarget(tt.target)
		if err != nil {
			t.Fatal(err)
		}
		err = g.CheckTarget(tg, tt.dir)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("CheckTarget(%q, %s) = %v, want %v", tt.target, tt.dir, err, tt.want)
		}
	}
}

// TestValidLabelReadsAsALabel: every label ValidLabel accepts builds a
// graph and reads as that label in every target form, never as a relative
// target or a range.
func TestValidLabelReadsAsALabel(t *testing.T) {
	for _, l := range []string{"billing", "v1.2", "v2", "a_b", "v2.0_beta", "X9", "1a"} {
		if !ValidLabel(l) {
			t.Fatalf("ValidLabel(%q) = false", l)
		}
		g, err := New([]Revision{{ID: "r1"}, {ID: "r2", Down: []string{"r1"}, BranchLabels: []string{l}}, {ID: "r3", Down: []string{"r2"}}})
		if err != nil {
			t.Fatalf("label %q: %v", l, err)
		}
		for target, want := range map[string]string{l + "@head": "r3", l: "r2", l + "@base": ""} {
			tg, err := ParseTarget(target)
			if err != nil || tg.NeedsRows() || tg.IsRange() {
				t.Errorf("%q: parsed as range %v, needing rows %v (%v)", target, tg.IsRange(), tg.NeedsRows(), err)
			}
			ids, err := g.Resolve(target, nil)
			got := ""
			if len(ids) > 0 {
				got = ids[0]
			}
			if err != nil || got != want {
				t.Errorf("Resolve(%q) = %v, %v; want %q", target, ids, err, want)
			}
		}
		if tg, _ := ParseTarget(l + "@-1"); !tg.Relative() {
			t.Errorf("%s@-1 is not relative", l)
		}
	}
	for _, l := range []string{"", "a-b", "a+b", "a@b", "a:b", "a,b", "a b", "é"} {
		if ValidLabel(l) {
			t.Errorf("ValidLabel(%q) = true", l)
		}
		if _, err := New([]Revision{{ID: "r1", BranchLabels: []string{l}}}); !errors.Is(err, ErrLabel) {
			t.Errorf("New with label %q: %v, want a label error", l, err)
		}
	}
}
