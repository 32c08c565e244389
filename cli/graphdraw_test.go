package cli_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
)

// rev is one script written by writeRevs.
type rev struct {
	id, down, labels, deps, msg string
}

// writeRevs writes revs as scripts into migrations/.
func writeRevs(t *testing.T, revs []rev) {
	t.Helper()
	writeFile(t, "migrations/.keep", "")
	for _, r := range revs {
		var b strings.Builder
		fmt.Fprintf(&b, "-- migrate:revision %s\n", r.id)
		if r.down != "" {
			fmt.Fprintf(&b, "-- migrate:down_revision %s\n", r.down)
		}
		if r.labels != "" {
			fmt.Fprintf(&b, "-- migrate:branch_labels %s\n", r.labels)
		}
		if r.deps != "" {
			fmt.Fprintf(&b, "-- migrate:depends_on %s\n", r.deps)
		}
		fmt.Fprintf(&b, "-- migrate:message %s\n\n-- migrate:upgrade\nSELECT 1;\n\n-- migrate:downgrade\nSELECT 1;\n", r.msg)
		writeFile(t, filepath.Join("migrations", r.id+".sql"), b.String())
	}
}

// drawCases are the graphs the drawing and export goldens cover.
var drawCases = []struct {
	name string
	revs []rev
}{
	{"linear", []rev{
		{id: "a1", msg: "create account"},
		{id: "a2", down: "a1", msg: "add email"},
		{id: "a3", down: "a2", msg: "add index"},
	}},
	{"branched", []rev{
		{id: "a1", msg: "root"},
		{id: "a2", down: "a1", msg: "shared"},
		{id: "b1", down: "a2", msg: "left one"},
		{id: "b2", down: "b1", msg: "left two"},
		{id: "c1", down: "a2", msg: "right one"},
		{id: "d1", down: "a2", msg: "third branch"},
	}},
	{"merged", []rev{
		{id: "a1", msg: "root"},
		{id: "b1", down: "a1", msg: "left"},
		{id: "c1", down: "a1", msg: "right"},
		{id: "c2", down: "c1", msg: "right again"},
		{id: "m1", down: "b1, c2", msg: "merge left and right"},
		{id: "a9", down: "m1", msg: "after the merge"},
	}},
	{"labelled", []rev{
		{id: "a1", labels: "core", msg: "core root"},
		{id: "a2", down: "a1", msg: "core two"},
		{id: "s1", down: "a1", labels: "search", msg: "search root"},
		{id: "s2", down: "s1", msg: "search two"},
	}},
	{"depends_on", []rev{
		{id: "a1", labels: "app", msg: "app root"},
		{id: "x1", labels: "billing", msg: "billing root"},
		{id: "a2", down: "a1", deps: "billing", msg: "invoice view"},
		{id: "a3", down: "a2", deps: "x1", msg: "more"},
	}},
	{"two_bases_late_merge", []rev{
		{id: "a1", msg: "schema"},
		{id: "a2", down: "a1", msg: "users"},
		{id: "c1", down: "a2", msg: "long-lived feature"},
		{id: "a3", down: "a2", msg: "orders"},
		{id: "b1", down: "a3", msg: "hotfix"},
		{id: "a4", down: "a3", msg: "payments"},
		{id: "m1", down: "a4, b1", msg: "merge hotfix"},
		{id: "c2", down: "c1", msg: "feature part two"},
		{id: "x1", labels: "audit", msg: "audit root"},
		{id: "x2", down: "x1", msg: "audit log"},
		{id: "m2", down: "m1, c2", msg: "merge feature back"},
		{id: "a5", down: "m2", deps: "audit", msg: "needs audit"},
	}},
	{"escaping", []rev{
		{id: "end", labels: "graph", msg: `say "hi" <b> & #1 \ done`},
		{id: "subgraph", down: "end", msg: "style; class {x}"},
	}},
	{"octopus", []rev{
		{id: "a1", msg: "root"},
		{id: "b1", down: "a1", msg: "one"},
		{id: "c1", down: "a1", msg: "two"},
		{id: "d1", down: "a1", msg: "three"},
		{id: "m1", down: "b1, c1, d1", msg: "merge three"},
	}},
}

func TestHistoryGraph(t *testing.T) {
	for _, tc := range drawCases {
		t.Run(tc.name, func(t *testing.T) {
			inTemp(t)
			writeRevs(t, tc.revs)
			r := run(t, nil, "history", "--graph")
			if r.code != cli.ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			golden(t, "history_graph."+tc.name, r.stdout)
			checkLanes(t, r.stdout, len(tc.revs))
		})
	}
}

// checkLanes checks the shape of a drawn graph: one node line per
// revision, and every lane character in a lane column (even) or between
// two (odd) as the character demands.
func checkLanes(t *testing.T, out string, revs int) {
	t.Helper()
	nodes := 0
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		lanePart := line
		if i := strings.IndexByte(line, '*'); i >= 0 {
			nodes++
			lanePart = line[:i+1]
		}
		for i, c := range lanePart {
			switch c {
			case '|', '*':
				if i%2 != 0 {
					t.Errorf("%q: %c at odd column %d", line, c, i)
				}
			case '/', '\\', '_':
				if i%2 != 1 {
					t.Errorf("%q: %c at even column %d", line, c, i)
				}
			case ' ':
			default:
				t.Errorf("%q: unexpected %q in the lanes", line, c)
			}
		}
	}
	if nodes != revs {
		t.Errorf("%d node lines, want %d:\n%s", nodes, revs, out)
	}
}

func TestHistoryGraphBuiltGraph(t *testing.T) {
	inTemp(t)
	buildGraph(t)
	r := run(t, nil, "history", "--graph")
	if r.code != cli.ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "history_graph.built", r.stdout)

	r = run(t, nil, "history", "--graph", "-r", "bbbb:ffff")
	if r.code != cli.ExitOK {
		t.Fatalf("range: exit %d: %s", r.code, r.stderr)
	}
	golden(t, "history_graph.range", r.stdout)
	checkLanes(t, r.stdout, 3)
}

// TestHistoryGraphCurrent marks the database's revisions with -i on a real
// SQLite database, and reads no database without it.
func TestHistoryGraphCurrent(t *testing.T) {
	inTemp(t)
	writeRevs(t, drawCases[2].revs) // merged
	e := env{"MIGRATE_URL": "sqlite:graph.db"}
	if r := run(t, e, "upgrade", "c2"); r.code != cli.ExitOK {
		t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
	}
	r := run(t, e, "history", "--graph", "-i")
	if r.code != cli.ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, "history_graph.current", r.stdout)
	if n := strings.Count(r.stdout, "(current)"); n != 1 || !strings.Contains(r.stdout, "c2 (current), right again") {
		t.Errorf("want c2 alone marked current:\n%s", r.stdout)
	}

	// Without -i an unusable database URL does not matter.
	r = run(t, env{"MIGRATE_URL": "bogus://nowhere"}, "history", "--graph")
	if r.code != cli.ExitOK || strings.Contains(r.stdout, "(current)") {
		t.Errorf("without -i: exit %d, stdout:\n%s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
}

func TestHistoryGraphRefusals(t *testing.T) {
	inTemp(t)
	writeRevs(t, drawCases[0].revs)
	for _, args := range [][]string{
		{"history", "--graph", "-v"},
		{"history", "--graph", "--json"},
		{"history", "--graph", "--applied"},
	} {
		r := run(t, nil, args...)
		if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--graph") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestGraphExport(t *testing.T) {
	for _, tc := range drawCases {
		t.Run(tc.name, func(t *testing.T) {
			inTemp(t)
			writeRevs(t, tc.revs)
			for _, format := range []string{"mermaid", "dot"} {
				r := run(t, nil, "graph", "--format", format)
				if r.code != cli.ExitOK {
					t.Fatalf("%s: exit %d: %s", format, r.code, r.stderr)
				}
				golden(t, "graph_export."+tc.name+"."+format, r.stdout)
				if format == "dot" {
					checkDot(t, r.stdout, tc.revs)
				} else {
					checkMermaid(t, r.stdout, tc.revs)
				}
			}
		})
	}
}

var (
	dotNode = regexp.MustCompile(`^    "(\w+)" \[label=`)
	dotEdge = regexp.MustCompile(`^    "(\w+)" -> "(\w+)"( \[style=dashed, label="depends on"\])?;$`)
)

// checkDot checks that dot output is plausible: balanced braces and
// quotes, one node line per revision, one edge per down_revision and
// depends_on link.
func checkDot(t *testing.T, out string, revs []rev) {
	t.Helper()
	if !strings.HasPrefix(out, "digraph ") || strings.Count(out, "{") != strings.Count(out, "}") ||
		!strings.HasSuffix(out, "}\n") {
		t.Errorf("braces unbalanced or no digraph:\n%s", out)
	}
	nodes := map[string]int{}
	solid, dashed := 0, 0
	for _, line := range strings.Split(out, "\n") {
		if strings.Count(strings.ReplaceAll(line, `\"`, ""), `"`)%2 != 0 {
			t.Errorf("unbalanced quotes: %q", line)
		}
		if m := dotNode.FindStringSubmatch(line); m != nil {
			nodes[m[1]]++
		}
		if m := dotEdge.FindStringSubmatch(line); m != nil {
			if m[3] != "" {
				dashed++
			} else {
				solid++
			}
		}
	}
	wantSolid, wantDashed := edgeCounts(revs)
	for _, r := range revs {
		if nodes[r.id] != 1 {
			t.Errorf("revision %s has %d node lines", r.id, nodes[r.id])
		}
	}
	if len(nodes) != len(revs) || solid != wantSolid || dashed != wantDashed {
		t.Errorf("%d nodes, %d solid, %d dashed edges; want %d, %d, %d:\n%s",
			len(nodes), solid, dashed, len(revs), wantSolid, wantDashed, out)
	}
}

func checkMermaid(t *testing.T, out string, revs []rev) {
	t.Helper()
	if !strings.HasPrefix(out, "flowchart ") && !strings.HasPrefix(out, "graph ") {
		t.Errorf("mermaid output starts %q", strings.SplitN(out, "\n", 2)[0])
	}
	wantSolid, wantDashed := edgeCounts(revs)
	if n := strings.Count(out, " --> "); n != wantSolid {
		t.Errorf("%d solid edges, want %d", n, wantSolid)
	}
	if n := strings.Count(out, " -. depends on .-> "); n != wantDashed {
		t.Errorf("%d dashed edges, want %d", n, wantDashed)
	}
	for _, r := range revs {
		if strings.Count(out, "    r_"+r.id+"[\"") != 1 {
			t.Errorf("revision %s: want one node line", r.id)
		}
	}
}

// edgeCounts counts the down_revision and depends_on links of revs.
func edgeCounts(revs []rev) (solid, dashed int) {
	for _, r := range revs {
		if r.down != "" {
			solid += strings.Count(r.down, ",") + 1
		}
		if r.deps != "" {
			dashed += strings.Count(r.deps, ",") + 1
		}
	}
	return solid, dashed
}

func TestGraphExportErrors(t *testing.T) {
	inTemp(t)
	writeRevs(t, drawCases[0].revs)
	r := run(t, nil, "graph", "--format", "svg")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, `invalid format "svg"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "graph")
	if r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, "flowchart") {
		t.Errorf("default format: exit %d, %q", r.code, r.stdout)
	}
}
