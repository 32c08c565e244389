package revgraph

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func rev(id string, down ...string) Revision {
	return Revision{ID: id, Down: down, Origin: "migrations/" + id + ".sql"}
}

func withLabels(r Revision, labels ...string) Revision { r.BranchLabels = labels; return r }
func withDeps(r Revision, deps ...string) Revision     { r.DependsOn = deps; return r }

func mustNew(t *testing.T, revs ...Revision) *Graph {
	t.Helper()
	g, err := New(revs)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New([]Revision{
		rev("aaaa"),
		rev("aaaa"),
		rev("bbbb", "zzzz"),
		withDeps(rev("cccc", "aaaa"), "nope"),
		withLabels(rev("dddd", "aaaa"), "x"),
		withLabels(rev("eeee", "dddd"), "x"),
		withLabels(rev("ffff", "eeee"), "aaaa"),
		rev("bad-id"),
	})
	if err == nil {
		t.Fatal("New succeeded")
	}
	for _, want := range []error{ErrDuplicate, ErrMissing, ErrLabel, ErrInvalid} {
		if !errors.Is(err, want) {
			t.Errorf("error does not match %v: %v", want, err)
		}
	}
	var miss *MissingParentError
	if !errors.As(err, &miss) {
		t.Fatal("no MissingParentError")
	}
	msg := err.Error()
	for _, part := range []string{
		"revision aaaa is declared 2 times: migrations/aaaa.sql, migrations/aaaa.sql",
		"bbbb (migrations/bbbb.sql) has down_revision zzzz, which does not exist",
		"cccc (migrations/cccc.sql) depends on nope, which is neither a revision nor a branch label",
		`branch label "x" is declared on two revisions: dddd (migrations/dddd.sql), eeee (migrations/eeee.sql)`,
		`branch label "aaaa" is also a revision id`,
		`revision bad-id (migrations/bad-id.sql) is invalid: character '-' is not allowed`,
	} {
		if !strings.Contains(msg, part) {
			t.Errorf("error lacks %q:\n%s", part, msg)
		}
	}
	for _, line := range strings.Split(msg, "\n") {
		if line == "" || strings.ToLower(line[:1]) != line[:1] || strings.HasSuffix(line, ".") {
			t.Errorf("badly formed message line %q", line)
		}
	}
}

func TestNewCycles(t *testing.T) {
	tests := []struct {
		name     string
		revs     []Revision
		involved []string
		viaDeps  bool
	}{
		{"self", []Revision{rev("aaaa", "aaaa")}, []string{"aaaa"}, false},
		{"ring", []Revision{rev("root"), rev("aaaa", "root", "cccc"), rev("bbbb", "aaaa"), rev("cccc", "bbbb"), rev("dddd", "cccc")},
			[]string{"aaaa", "bbbb", "cccc"}, false},
		{"through depends_on", []Revision{rev("aaaa"), withDeps(rev("bbbb", "aaaa"), "cccc"), withDeps(rev("cccc", "aaaa"), "bbbb")},
			[]string{"bbbb", "cccc"}, true},
		{"long through depends_on", []Revision{rev("aaaa"), rev("bbbb", "aaaa"), withDeps(rev("cccc", "bbbb"), "ffff"),
			withDeps(rev("dddd"), "cccc"), rev("eeee", "dddd"), rev("ffff", "eeee")},
			[]string{"cccc", "dddd", "eeee", "ffff"}, true},
		{"self dependency", []Revision{withDeps(rev("aaaa"), "aaaa")}, []string{"aaaa"}, true},
		{"dependency on own label", []Revision{withDeps(withLabels(rev("aaaa"), "lab"), "lab")}, []string{"aaaa"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.revs)
			var ce *CycleError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCycle) {
				t.Fatalf("want CycleError, got %v", err)
			}
			for _, id := range tt.involved {
				if !strings.Contains(ce.Error(), id) {
					t.Errorf("%q does not name %s", ce.Error(), id)
				}
			}
			if ce.ThroughDependsOn != tt.viaDeps {
				t.Errorf("ThroughDependsOn = %v", ce.ThroughDependsOn)
			}
		})
	}
}

// TestGoldenInvalid: graphs on which Alembic warns, crashes or raises are
// errors of the right kind here.
func TestGoldenInvalid(t *testing.T) {
	want := map[string]error{
		"duplicate": ErrDuplicate, "missing_parent": ErrMissing, "missing_dep": ErrMissing,
		"label_twice": ErrLabel, "label_is_id": ErrLabel, "cycle": ErrCycle, "cycle_with_base": ErrCycle,
		"dep_cycle": ErrCycle, "dep_cycle_long": ErrCycle, "self_loop": ErrCycle,
	}
	for _, gg := range loadGolden(t, "invalid.json") {
		t.Run(gg.Name, func(t *testing.T) {
			_, err := New(toRevisions(gg.Revisions))
			if !errors.Is(err, want[gg.Name]) {
				t.Fatalf("New = %v, want %v", err, want[gg.Name])
			}
		})
	}
}

// branchy is BranchTravellingTest's shape from Alembic's test_revision.py,
// with labels and a dependency added.
func branchy(t *testing.T) *Graph {
	return mustNew(t,
		rev("a1aa"), rev("b1bb", "a1aa"),
		withLabels(rev("c1cc", "b1bb"), "left"), rev("d1dd", "c1cc"),
		withLabels(rev("c2cc", "b1bb"), "right"), rev("d2dd", "c2cc"),
		rev("e1ee", "d1dd", "d2dd"), rev("f1ff", "e1ee"),
		withLabels(rev("x1xx"), "other"), withDeps(rev("x2xx", "x1xx"), "c2cc"),
	)
}

func TestStructure(t *testing.T) {
	g := branchy(t)
	tests := []struct {
		name      string
		got, want []string
	}{
		{"Heads", g.Heads(), []string{"f1ff", "x2xx"}},
		{"RealHeads", g.RealHeads(), []string{"f1ff", "x2xx"}},
		{"Bases", g.Bases(), []string{"a1aa", "x1xx"}},
		{"BranchPoints", g.BranchPoints(), []string{"b1bb"}},
		{"Children(b1bb)", g.Children("b1bb"), []string{"c1cc", "c2cc"}},
		{"Labels(d1dd)", g.Labels("d1dd"), []string{"left"}},
		{"Labels(f1ff)", g.Labels("f1ff"), []string{"left", "right"}},
		{"Labels(b1bb)", g.Labels("b1bb"), nil},
		{"Labels(x2xx)", g.Labels("x2xx"), []string{"other"}},
		{"Dependents(c2cc)", g.Dependents("c2cc"), []string{"x2xx"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	if !g.MergePoint("e1ee") || g.MergePoint("f1ff") {
		t.Error("MergePoint wrong")
	}
	var ids []string
	for _, r := range g.Revisions() {
		ids = append(ids, r.ID)
	}
	want := []string{"f1ff", "e1ee", "d1dd", "c1cc", "x2xx", "x1xx", "d2dd", "c2cc", "b1bb", "a1aa"}
	if !slices.Equal(ids, want) {
		t.Errorf("Revisions = %v, want %v", ids, want)
	}
}

func TestResolve(t *testing.T) {
	g := mustNew(t,
		rev("base123"), rev("basf456", "base123"), rev("abc", "basf456"),
		rev("abcd1", "abc"), withLabels(rev("abcd2", "abc"), "abzlabel"),
	)
	tests := []struct {
		spec    string
		current []string
		want    []string
		err     error
	}{
		{"base", nil, nil, nil},
		{"heads", nil, []string{"abcd1", "abcd2"}, nil},
		{"head", nil, nil, ErrMultipleHeads},
		{"abc", nil, []string{"abc"}, nil},
		{"ab", nil, nil, ErrAmbiguous},
		{"abcd", nil, nil, ErrAmbiguous},
		{"abcd2", nil, []string{"abcd2"}, nil},
		{"bas", nil, nil, ErrAmbiguous},
		{"basf", nil, []string{"basf456"}, nil},
		{"abz", nil, []string{"abcd2"}, nil},
		{"abzlabel@head", nil, []string{"abcd2"}, nil},
		{"abcd1@head", nil, []string{"abcd1"}, nil},
		{"abzlabel@abcd1", nil, nil, ErrNotFound},
		{"zzzz", nil, nil, ErrNotFound},
		{"+1", nil, []string{"base123"}, nil},
		{"+3", nil, []string{"abc"}, nil},
		{"+4", nil, nil, ErrRelative},
		{"+1", []string{"abc"}, nil, ErrRelative},
		{"+1", []string{"basf456"}, []string{"abc"}, nil},
		{"abc-2", nil, []string{"base123"}, nil},
		{"abc-3", nil, nil, ErrRelative},
		{"abcd2+1", nil, nil, ErrRelative},
		{"-1", nil, []string{"abc", "abc"}, nil},
		{"-1", []string{"abcd1", "abcd2"}, nil, ErrRelative},
		{"-1", []string{"abcd1"}, []string{"abc"}, nil},
		{"abzlabel@-1", []string{"abcd1", "abcd2"}, []string{"abc"}, nil},
		{"-5", nil, nil, ErrRelative},
		{"current", []string{"abcd1"}, []string{"abcd1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"/"+strings.Join(tt.current, ","), func(t *testing.T) {
			got, err := g.Resolve(tt.spec, tt.current)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Resolve = %v, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Resolve = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	single := mustNew(t, rev("solo"))
	if _, err := single.Resolve("-1", nil); !errors.Is(err, ErrRelative) || !strings.Contains(err.Error(), "below base") {
		t.Errorf("show -1 at base: %v", err)
	}
	_, err := g.Resolve("ab", nil)
	var amb *AmbiguousPrefixError
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []string{"abcd1", "abcd2", "abzlabel"}) {
		t.Errorf("ambiguous prefix error = %v", err)
	}
	_, err = g.Resolve("head", nil)
	var mh *MultipleHeadsError
	if !errors.As(err, &mh) || !strings.Contains(err.Error(), "abcd1, abcd2") || !strings.Contains(err.Error(), "@head") {
		t.Errorf("multiple heads error = %v", err)
	}
}

func steps(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		d := "+"
		if s.Direction == Down {
			d = "-"
		}
		out = append(out, d+s.Revision.ID)
	}
	return out
}

func TestPlans(t *testing.T) {
	g := branchy(t)
	tests := []struct {
		name   string
		run    func() (*Plan, error)
		steps  []string
		to     []string
		ops    []VersionOp // ops of the last step, when set
		errIs  error
		errHas string
	}{
		{name: "upgrade heads", run: func() (*Plan, error) { return g.Upgrade(nil, "heads") },
			steps: []string{"+a1aa", "+b1bb", "+c2cc", "+d2dd", "+x1xx", "+x2xx", "+c1cc", "+d1dd", "+e1ee", "+f1ff"},
			to:    []string{"f1ff", "x2xx"}},
		{name: "upgrade head", run: func() (*Plan, error) { return g.Upgrade(nil, "head") }, errIs: ErrMultipleHeads},
		{name: "merge", run: func() (*Plan, error) { return g.Upgrade([]string{"d1dd", "d2dd"}, "e1ee") },
			steps: []string{"+e1ee"}, to: []string{"e1ee"},
			ops: []VersionOp{{Kind: OpDelete, From: "d1dd"}, {Kind: OpUpdate, From: "d2dd", To: "e1ee"}}},
		{name: "branch point", run: func() (*Plan, error) { return g.Upgrade([]string{"c1cc"}, "c2cc") },
			steps: []string{"+c2cc"}, to: []string{"c1cc", "c2cc"}, ops: []VersionOp{{Kind: OpInsert, To: "c2cc"}}},
		{name: "dependency first", run: func() (*Plan, error) { return g.Upgrade(nil, "x2xx") },
			steps: []string{"+a1aa", "+b1bb", "+c2cc", "+x1xx", "+x2xx"}, to: []string{"x2xx"}},
		{name: "unmerge", run: func() (*Plan, error) { return g.Downgrade([]string{"f1ff"}, "d1dd") },
			steps: []string{"-f1ff", "-e1ee"}, to: []string{"d2dd", "d1dd"},
			ops: []VersionOp{{Kind: OpInsert, To: "d1dd"}, {Kind: OpUpdate, From: "e1ee", To: "d2dd"}}},
		{name: "downgrade label base", run: func() (*Plan, error) { return g.Downgrade([]string{"x2xx", "d1dd"}, "other@base") },
			steps: []string{"-x2xx", "-x1xx"}, to: []string{"c2cc", "d1dd"}},
		{name: "downgrade to current head is a no-op", run: func() (*Plan, error) { return g.Downgrade([]string{"f1ff"}, "f1ff") },
			to: []string{"f1ff"}},
		{name: "upgrade base is a no-op", run: func() (*Plan, error) { return g.Upgrade([]string{"f1ff"}, "base") },
			to: []string{"f1ff"}},
		{name: "downgrade base on empty", run: func() (*Plan, error) { return g.Downgrade(nil, "base") }, to: []string{}},
		{name: "downgrade -1 from two heads", run: func() (*Plan, error) { return g.Downgrade([]string{"d1dd", "d2dd"}, "-1") },
			errIs: ErrRelative, errHas: "name one"},
		{name: "downgrade label@-1", run: func() (*Plan, error) { return g.Downgrade([]string{"d1dd", "d2dd"}, "left@-1") },
			steps: []string{"-d1dd"}, to: []string{"c1cc", "d2dd"}},
		{name: "upgrade +1 from two bases", run: func() (*Plan, error) { return g.Upgrade(nil, "+1") }, errIs: ErrRelative},
		{name: "upgrade past head", run: func() (*Plan, error) { return g.Upgrade(nil, "f1ff+1") }, errIs: ErrRelative,
			errHas: "didn't produce 1 migrations"},
		{name: "downgrade to a revision applied only as a dependency", run: func() (*Plan, error) { return g.Downgrade([]string{"x2xx"}, "c2cc") },
			errIs: ErrDependency, errHas: "applied revision x2xx depends on it"},
		{name: "downgrade below a dependency reverts the dependent", run: func() (*Plan, error) { return g.Downgrade([]string{"x2xx"}, "b1bb") },
			steps: []string{"-x2xx", "-c2cc"}, to: []string{"b1bb", "x1xx"}},
		{name: "stamp follows dependencies", run: func() (*Plan, error) { return g.Stamp([]string{"b1bb"}, "x2xx", false) },
			to: []string{"x2xx"}},
		{name: "stamp new branch", run: func() (*Plan, error) { return g.Stamp([]string{"d1dd"}, "x1xx", false) },
			to: []string{"d1dd", "x1xx"}},
		{name: "stamp purge", run: func() (*Plan, error) { return g.Stamp([]string{"zzzz"}, "c1cc", true) },
			to: []string{"c1cc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.run()
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.errIs, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.steps != nil && !slices.Equal(steps(p), tt.steps) {
				t.Errorf("steps = %v, want %v", steps(p), tt.steps)
			}
			if !slices.Equal(p.To, tt.to) {
				t.Errorf("To = %v, want %v", p.To, tt.to)
			}
			if tt.ops != nil && !slices.Equal(p.Steps[len(p.Steps)-1].Ops, tt.ops) {
				t.Errorf("ops = %v, want %v", p.Steps[len(p.Steps)-1].Ops, tt.ops)
			}
		})
	}
}

func TestHistoryAndCurrent(t *testing.T) {
	g := mustNew(t, rev("aaaa"), withLabels(rev("bbbb", "aaaa"), "lib"), rev("cccc"), withDeps(rev("dddd", "cccc"), "bbbb"))
	tests := []struct {
		rng     string
		current []string
		want    []string
		errIs   error
	}{
		{"", nil, []string{"dddd", "cccc", "bbbb", "aaaa"}, nil},
		{":current", nil, []string{"dddd", "cccc", "bbbb", "aaaa"}, nil},
		{":current", []string{"bbbb"}, []string{"bbbb", "aaaa"}, nil},
		{"bbbb:", nil, []string{"bbbb"}, nil},
		{"-1:", nil, []string{"dddd", "cccc"}, nil},
		{"cccc:dddd", nil, []string{"dddd", "cccc"}, nil},
		{"aaaa", nil, nil, ErrRange},
		{"a:b:c", nil, nil, ErrRange},
		{"cccc:bbbb", nil, nil, ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			revs, err := g.History(tt.rng, tt.current)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("History = %v, want %v", err, tt.errIs)
				}
				return
			}
			var ids []string
			for _, r := range revs {
				ids = append(ids, r.ID)
			}
			if err != nil || !slices.Equal(ids, tt.want) {
				t.Fatalf("History = %v, %v; want %v", ids, err, tt.want)
			}
		})
	}
	cur, err := g.Current([]string{"dddd"})
	if err != nil || !slices.Equal(cur, []string{"bbbb", "dddd"}) {
		t.Errorf("Current = %v, %v", cur, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	g := branchy(t)
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := g.Resolve("c1c", nil) // builds the prefix index lazily
			if err == nil {
				_, err = g.Upgrade(nil, "heads")
			}
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
