package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
)

// buildGraph creates, through revision and merge, the graph
//
//	aaaa -> bbbb (branchpoint) -> cccc -> ffff (depends on eeee) -> 9999 (merge)
//	             \-> dddd -------------------------------------------/
//	eeee (billing), a second base that ffff depends on
//
// and checks the refusals Alembic makes on the way.
func buildGraph(t *testing.T) {
	t.Helper()
	writeFile(t, "migrations/.keep", "")
	steps := []struct {
		args []string
		code int
		want string // in stdout on success, stderr on failure
	}{
		{[]string{"revision", "-m", "create account", "--rev-id", "aaaaaaaaaaaa"}, 0, "Generating migrations/aaaaaaaaaaaa_create_account.sql ... done"},
		{[]string{"revision", "-m", "add name", "--rev-id", "bbbbbbbbbbbb"}, 0, "bbbbbbbbbbbb_add_name.sql"},
		{[]string{"revision", "-m", "branch one", "--rev-id", "cccccccccccc"}, 0, "cccccccccccc_branch_one.sql"},
		{[]string{"revision", "-m", "branch two", "--rev-id", "dddddddddddd", "--head", "bbbb"}, 1,
			"revision bbbbbbbbbbbb is not a head revision; pass --splice"},
		{[]string{"revision", "-m", "branch two", "--rev-id", "dddddddddddd", "--head", "bbbb", "--splice"}, 0, "dddddddddddd_branch_two.sql"},
		{[]string{"revision", "-m", "no parent given"}, 1, "multiple heads are present (cccccccccccc, dddddddddddd)"},
		{[]string{"revision", "-m", "billing root", "--rev-id", "eeeeeeeeeeee", "--head", "base", "--branch-label", "billing"}, 0, "eeeeeeeeeeee_billing_root.sql"},
		{[]string{"revision", "-m", "needs billing", "--rev-id", "ffffffffffff", "--head", "cccc", "--depends-on", "billing"}, 0, "ffffffffffff_needs_billing.sql"},
		{[]string{"revision", "-m", "dup", "--rev-id", "aaaaaaaaaaaa", "--head", "dddd"}, 1, "revision aaaaaaaaaaaa already exists"},
		{[]string{"revision", "-m", "bad id", "--rev-id", "not-an-id", "--head", "dddd"}, 2, "--rev-id"},
		{[]string{"merge", "heads", "-m", "merge branches", "--rev-id", "999999999999"}, 0, "999999999999_merge_branches.sql"},
	}
	for _, s := range steps {
		r := run(t, nil, s.args...)
		if r.code != s.code {
			t.Fatalf("%v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", s.args, r.code, s.code, r.stdout, r.stderr)
		}
		where := r.stdout
		if s.code != 0 {
			where = r.stderr
		}
		if !strings.Contains(where, s.want) {
			t.Fatalf("%v: output lacks %q:\nstdout:\n%s\nstderr:\n%s", s.args, s.want, r.stdout, r.stderr)
		}
	}
}

func TestRevisionFiles(t *testing.T) {
	inTemp(t)
	buildGraph(t)
	for _, name := range []string{"ffffffffffff_needs_billing.sql", "999999999999_merge_branches.sql", "eeeeeeeeeeee_billing_root.sql"} {
		data, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "revision."+name, string(data))
	}
}

func TestGraphCommandsText(t *testing.T) {
	inTemp(t)
	buildGraph(t)
	tests := []struct {
		name string
		args []string
	}{
		{"heads", []string{"heads"}},
		{"heads_verbose", []string{"heads", "-v"}},
		{"heads_resolve", []string{"heads", "--resolve-dependencies"}},
		{"branches", []string{"branches"}},
		{"branches_verbose", []string{"branches", "-v"}},
		{"history", []string{"history"}},
		{"history_verbose", []string{"history", "-v"}},
		{"history_range", []string{"history", "-r", "bbbb:ffff"}},
		{"show", []string{"show", "bbbbbbbbbbbb"}},
		{"show_merge", []string{"show", "9999"}},
		{"show_label", []string{"show", "billing@head"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			if r.code != cli.ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			golden(t, "graph."+tt.name, r.stdout)
		})
	}
}

type revJSON struct {
	Revision      string   `json:"revision"`
	DownRevisions []string `json:"down_revisions"`
	BranchLabels  []string `json:"branch_labels"`
	DependsOn     []string `json:"depends_on"`
	Message       string   `json:"message"`
	IsHead        bool     `json:"is_head"`
	IsBranchPoint bool     `json:"is_branch_point"`
	IsMergePoint  bool     `json:"is_merge_point"`
	Path          string   `json:"path"`
}

// decodeStrict decodes JSON and checks that every object carries the
// contract's keys with lists, never null.
func decodeStrict(t *testing.T, data string, v any) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	objs, ok := raw.([]any)
	if !ok {
		objs = []any{raw}
	}
	for _, o := range objs {
		m, ok := o.(map[string]any)
		if !ok {
			t.Fatalf("element %v is not an object", o)
		}
		for _, k := range []string{"down_revisions", "branch_labels", "depends_on"} {
			if _, ok := m[k].([]any); !ok {
				t.Errorf("%v: key %s is %v, want a list", m["revision"], k, m[k])
			}
		}
		for _, k := range []string{"revision", "message"} {
			if _, ok := m[k].(string); !ok {
				t.Errorf("key %s missing in %v", k, m)
			}
		}
	}
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatal(err)
	}
}

func TestGraphCommandsJSON(t *testing.T) {
	inTemp(t)
	buildGraph(t)

	t.Run("history newest first", func(t *testing.T) {
		r := run(t, nil, "history", "--json")
		var revs []revJSON
		decodeStrict(t, r.stdout, &revs)
		if len(revs) != 7 {
			t.Fatalf("got %d revisions, want 7", len(revs))
		}
		if revs[0].Revision != "999999999999" {
			t.Errorf("first is %s, want the merge 999999999999", revs[0].Revision)
		}
		pos := map[string]int{}
		for i, r := range revs {
			pos[r.Revision] = i
		}
		for _, r := range revs {
			for _, d := range r.DownRevisions {
				if pos[d] <= pos[r.Revision] {
					t.Errorf("%s listed before its child %s", d, r.Revision)
				}
			}
		}
	})
	t.Run("heads", func(t *testing.T) {
		r := run(t, nil, "heads", "--json")
		var revs []revJSON
		decodeStrict(t, r.stdout, &revs)
		var ids []string
		for _, r := range revs {
			ids = append(ids, r.Revision)
			if !r.IsHead {
				t.Errorf("%s: is_head false", r.Revision)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []string{"999999999999", "eeeeeeeeeeee"}) {
			t.Errorf("heads %v", ids)
		}
	})
	t.Run("branches", func(t *testing.T) {
		r := run(t, nil, "branches", "--json")
		var revs []revJSON
		decodeStrict(t, r.stdout, &revs)
		if len(revs) != 1 || revs[0].Revision != "bbbbbbbbbbbb" || !revs[0].IsBranchPoint {
			t.Errorf("branches %+v", revs)
		}
	})
	t.Run("show", func(t *testing.T) {
		r := run(t, nil, "show", "ffff", "--json")
		var revs []revJSON
		decodeStrict(t, r.stdout, &revs)
		want := revJSON{
			Revision: "ffffffffffff", DownRevisions: []string{"cccccccccccc"}, BranchLabels: []string{},
			DependsOn: []string{"billing"}, Message: "needs billing",
			Path: filepath.Join("migrations", "ffffffffffff_needs_billing.sql"),
		}
		if len(revs) != 1 || !jsonEqual(revs[0], want) {
			t.Errorf("show ffff --json = %+v, want [%+v]", revs, want)
		}
		r = run(t, nil, "show", "9999", "--json")
		decodeStrict(t, r.stdout, &revs)
		if len(revs) != 1 || !revs[0].IsMergePoint || len(revs[0].DownRevisions) != 2 || !revs[0].IsHead {
			t.Errorf("merge: %+v", revs)
		}
	})
	t.Run("show names zero or several", func(t *testing.T) {
		if r := run(t, nil, "revision", "--head", "base", "-m", "other base", "--rev-id", "777777777777"); r.code != 0 {
			t.Fatalf("second base: exit %d: %s", r.code, r.stderr)
		}
		for _, tc := range []struct {
			target string
			want   []string
		}{
			{"base", []string{}},
			{"billing@base", []string{}},
			{"heads", []string{"777777777777", "999999999999"}},
			{"777777777777", []string{"777777777777"}},
		} {
			r := run(t, nil, "show", tc.target, "--json")
			if r.code != 0 {
				t.Errorf("show %s --json: exit %d: %s", tc.target, r.code, r.stderr)
				continue
			}
			var revs []revJSON
			decodeStrict(t, r.stdout, &revs)
			ids := []string{}
			for _, r := range revs {
				ids = append(ids, r.Revision)
			}
			slices.Sort(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("show %s --json = %v, want %v", tc.target, ids, tc.want)
			}
			human := run(t, nil, "show", tc.target)
			if got := strings.Count(human.stdout, "Rev: "); human.code != 0 || got != len(tc.want) {
				t.Errorf("show %s: exit %d, %d revisions shown, want %d:\n%s", tc.target, human.code, got, len(tc.want), human.stdout)
			}
		}
	})
	t.Run("stamp several", func(t *testing.T) {
		r := run(t, nil, "stamp", "cccc", "eeee")
		if r.code != 0 || r.stdout != "stamped <base> -> cccccccccccc, eeeeeeeeeeee\n" {
			t.Fatalf("stamp cccc eeee: exit %d, %q, %s", r.code, r.stdout, r.stderr)
		}
		r = run(t, nil, "stamp")
		if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "TARGET") {
			t.Errorf("stamp without a target: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("empty graph gives empty arrays", func(t *testing.T) {
		inTemp(t)
		writeFile(t, "migrations/.keep", "")
		for _, c := range []string{"heads", "history", "branches"} {
			r := run(t, nil, c, "--json")
			if r.code != 0 || strings.TrimSpace(r.stdout) != "[]" {
				t.Errorf("%s --json on an empty graph: exit %d, %q, %s", c, r.code, r.stdout, r.stderr)
			}
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestGraphErrors(t *testing.T) {
	inTemp(t)
	buildGraph(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown revision", []string{"show", "0123456789ab"}, "0123456789ab"},
		{"missing directory", []string{"--dir", "nowhere", "heads"}, "script directory nowhere does not exist"},
		{"merge non-head", []string{"merge", "aaaa", "9999"}, "revision aaaaaaaaaaaa is not a head revision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			if r.code != cli.ExitFailure {
				t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q: want one line naming %q", r.stderr, tt.want)
			}
		})
	}
}
