package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/retort-sql/retort/cli"
)

func TestVersion(t *testing.T) {
	inTemp(t)
	// No config file or script directory is needed.
	r := run(t, nil, "version")
	if r.code != cli.ExitOK || !strings.HasPrefix(r.stdout, "migrate ") || !strings.Contains(r.stdout, "go: go1.") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "version", "--json")
	var v map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != cli.ExitOK {
		t.Fatalf("exit %d, %v: %q", r.code, err, r.stdout)
	}
	for _, k := range []string{"version", "module", "go_version"} {
		if s, _ := v[k].(string); s == "" {
			t.Errorf("key %s missing in %v", k, v)
		}
	}
}

func TestReadVersion(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		text string
		json string
	}{
		{"no build info", nil, false,
			"migrate (devel) (github.com/retort-sql/retort)\ngo: " + goVersion() + "\n",
			`{"version":"(devel)","module":"github.com/retort-sql/retort","go_version":"` + goVersion() + `"}`},
		{"released migrate", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "github.com/retort-sql/retort", Version: "v1.2.3"}}, true,
			"migrate v1.2.3 (github.com/retort-sql/retort)\ngo: go1.26.8\n",
			`{"version":"v1.2.3","module":"github.com/retort-sql/retort","go_version":"go1.26.8"}`},
		{"working tree with vcs", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "github.com/retort-sql/retort", Version: "(devel)"}, Settings: vcs}, true,
			"migrate (devel) (github.com/retort-sql/retort)\ngo: go1.26.8\nvcs revision: 0123456789abcdef (modified)\nvcs time: 2026-01-02T03:04:05Z\n",
			`{"version":"(devel)","module":"github.com/retort-sql/retort","go_version":"go1.26.8","vcs_revision":"0123456789abcdef","vcs_time":"2026-01-02T03:04:05Z","vcs_modified":true}`},
		{"custom binary embedding the cli", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "example.com/app", Version: "v0.1.0"},
			Deps: []*debug.Module{{Path: "github.com/rs/zerolog", Version: "v1.34.0"},
				{Path: "github.com/retort-sql/retort", Version: "v0.9.0"}}}, true,
			"migrate v0.9.0 (github.com/retort-sql/retort)\ngo: go1.26.8\n",
			`{"version":"v0.9.0","module":"github.com/retort-sql/retort","go_version":"go1.26.8"}`},
		{"replaced dependency", &debug.BuildInfo{GoVersion: "go1.26.8",
			Main: debug.Module{Path: "example.com/app"},
			Deps: []*debug.Module{{Path: "github.com/retort-sql/retort", Version: "v0.9.0",
				Replace: &debug.Module{Path: "../retort"}}}}, true,
			"migrate (devel) (github.com/retort-sql/retort)\ngo: go1.26.8\n",
			`{"version":"(devel)","module":"github.com/retort-sql/retort","go_version":"go1.26.8"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, v := cli.ReadVersion(tt.bi, tt.ok)
			if text != tt.text {
				t.Errorf("text\n%q\nwant\n%q", text, tt.text)
			}
			got, _ := json.Marshal(v)
			if string(got) != tt.json {
				t.Errorf("json\n%s\nwant\n%s", got, tt.json)
			}
		})
	}
}

func goVersion() string {
	text, _ := cli.ReadVersion(nil, false)
	_, after, _ := strings.Cut(text, "go: ")
	return strings.TrimSpace(after)
}

func TestCompletionScripts(t *testing.T) {
	inTemp(t)
	tests := []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_migrate migrate"},
		{"zsh", "#compdef migrate"},
		{"fish", "complete -c migrate"},
		{"powershell", "Register-ArgumentCompleter"},
	}
	for _, tt := range tests {
		t.Run(tt.shell, func(t *testing.T) {
			r := run(t, nil, "completion", tt.shell)
			if r.code != cli.ExitOK || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d, stderr %q; stdout lacks %q", r.code, r.stderr, tt.want)
			}
			r = run(t, nil, "completion", tt.shell, "--no-descriptions")
			if r.code != cli.ExitOK || r.stdout == "" {
				t.Errorf("--no-descriptions: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
	for _, args := range [][]string{{"completion"}, {"completion", "tcsh"}} {
		if r := run(t, nil, args...); r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, r.code, cli.ExitUsage, r.stderr)
		}
	}
	r := run(t, nil, "--help")
	for _, c := range []string{"completion", "graph", "version"} {
		if !strings.Contains(r.stdout, "\n  "+c+" ") {
			t.Errorf("command list lacks %s:\n%s", c, r.stdout)
		}
	}
}

// complete runs cobra's hidden completion request and returns the
// candidates without their descriptions.
func complete(t *testing.T, e env, args ...string) []string {
	t.Helper()
	r := run(t, e, append([]string{"__complete"}, args...)...)
	if r.code != cli.ExitOK {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(line, ":") {
			continue // the directive
		}
		id, _, _ := strings.Cut(line, "\t")
		out = append(out, id)
	}
	return out
}

func TestTargetCompletion(t *testing.T) {
	inTemp(t)
	buildGraph(t)
	// An unusable URL shows that no database is touched.
	e := env{"MIGRATE_URL": "bogus://nowhere"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"upgrade", ""}, "head heads 999999999999 dddddddddddd ffffffffffff cccccccccccc bbbbbbbbbbbb aaaaaaaaaaaa eeeeeeeeeeee billing billing@head"},
		{[]string{"upgrade", "b"}, "bbbbbbbbbbbb billing billing@head"},
		{[]string{"upgrade", "head", ""}, ""},
		{[]string{"downgrade", "ba"}, "base"},
		{[]string{"stamp", "h"}, "head heads"},
		{[]string{"stamp", "cccc", "e"}, "eeeeeeeeeeee"},
		{[]string{"show", "cu"}, "current"},
		{[]string{"merge", "9999", "e"}, "eeeeeeeeeeee"},
		{[]string{"revision", "--head", "d"}, "dddddddddddd"},
		{[]string{"revision", "--depends-on", "bil"}, "billing"},
		{[]string{"graph", "--format", ""}, "mermaid dot"},
		{[]string{"--dir", "nowhere", "upgrade", ""}, "head heads"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got := strings.Join(complete(t, e, tt.args...), " ")
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// runTerm runs the CLI with both outputs reported as terminals.
func runTerm(t *testing.T, e env, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(t.Context(), args, cli.Options{
		Stdout: &out, Stderr: &errb, Getenv: e.get,
		Now:      func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Terminal: func(io.Writer) bool { return true },
	})
	return result{out.String(), errb.String(), code}
}

func TestColour(t *testing.T) {
	inTemp(t)
	writeRevs(t, drawCases[2].revs)
	const esc = "\x1b["
	tests := []struct {
		name   string
		env    env
		args   []string
		colour bool
	}{
		{"terminal", nil, nil, true},
		{"NO_COLOR", env{"NO_COLOR": "1"}, nil, false},
		{"empty NO_COLOR", env{"NO_COLOR": ""}, nil, true},
		{"--no-color", nil, []string{"--no-color"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), "--log-level", "debug", "history", "--graph")
			r := runTerm(t, tt.env, args...)
			if r.code != cli.ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if got := strings.Contains(r.stdout, esc); got != tt.colour {
				t.Errorf("stdout coloured %v, want %v:\n%q", got, tt.colour, r.stdout)
			}
			if got := strings.Contains(r.stderr, esc); got != tt.colour {
				t.Errorf("console log coloured %v, want %v:\n%q", got, tt.colour, r.stderr)
			}
			if !strings.Contains(r.stderr, "loading revision graph") {
				t.Errorf("no console log line: %q", r.stderr)
			}
		})
	}
	// Not a terminal: plain, as the goldens are.
	if r := run(t, nil, "--log-level", "debug", "--log-format", "console", "history", "--graph"); strings.Contains(r.stdout+r.stderr, esc) {
		t.Errorf("colour without a terminal:\n%q\n%q", r.stdout, r.stderr)
	}
}

func TestHints(t *testing.T) {
	inTemp(t)
	writeRevs(t, drawCases[0].revs) // a1 <- a2 <- a3
	db := env{"MIGRATE_URL": "sqlite:hints.db"}
	if r := run(t, db, "upgrade"); r.code != cli.ExitOK {
		t.Fatalf("upgrade: %s", r.stderr)
	}
	tests := []struct {
		name  string
		env   env
		args  []string
		setup func(t *testing.T)
		want  string
	}{
		{"typed unknown revision", db, []string{"show", "zzzz"}, nil,
			`no such revision or branch "zzzz"; migrate history lists the revisions`},
		{"unknown revision in a range", db, []string{"history", "-r", "zzzz:a3"}, nil,
			"migrate history lists the revisions"},
		{"no socket", env{"MIGRATE_URL": "postgres://app@127.0.0.1:1/app?connect_timeout=2"}, []string{"current"}, nil,
			"is the database server running? the URL comes from MIGRATE_URL"},
		{"sqlite folder missing", env{"MIGRATE_URL": "sqlite:nowhere/x.db"}, []string{"current"}, nil,
			"the folder of a SQLite database file must exist"},
		{"version row without script", db, []string{"current"}, func(t *testing.T) {
			removeFile(t, "migrations/a3.sql")
		}, `"a3": a partial revision identifier needs at least four characters; the database names a revision the scripts lack: restore its script, or rewrite the version table with migrate stamp --purge`},
		{"missing parent", nil, []string{"heads"}, func(t *testing.T) {
			writeRevs(t, []rev{{id: "b9", down: "zz99", msg: "orphan"}})
		}, "restore the missing revision's script, or correct the down_revision header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			r := run(t, tt.env, tt.args...)
			if r.code != cli.ExitFailure || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q: want one line with %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func removeFile(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}
