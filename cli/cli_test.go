package cli_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/retort-sql/retort/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// result is the outcome of one in-process run.
type result struct {
	stdout, stderr string
	code           int
}

// env is a fake environment for Options.Getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// run runs the CLI in-process in the current directory.
func run(t *testing.T, e env, args ...string) result {
	t.Helper()
	return runCtx(t, t.Context(), e, args...)
}

func runCtx(t *testing.T, ctx context.Context, e env, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(ctx, args, cli.Options{
		Stdout: &out,
		Stderr: &errb,
		Getenv: e.get,
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
	})
	return result{out.String(), errb.String(), code}
}

// inTemp moves the test into a fresh temporary working directory.
func inTemp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// golden compares got with testdata/<name>.golden, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdataDir(t), name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cli -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// testdataDir is cli/testdata, found before any t.Chdir.
var testdataRoot = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "testdata")
}()

func testdataDir(t *testing.T) string {
	t.Helper()
	return testdataRoot
}

func TestUsageErrors(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/.keep", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"heads", "--bogus"}, "unknown flag: --bogus"},
		{"downgrade without target", []string{"downgrade"}, "downgrade takes TARGET"},
		{"show without revision", []string{"show"}, "show takes REV"},
		{"upgrade two targets", []string{"upgrade", "a", "b"}, "accepts at most 1 arg"},
		{"history range without colon", []string{"history", "-r", "abc"}, "history range requires"},
		{"upgrade range", []string{"upgrade", "a:b"}, "range target"},
		{"bad log format", []string{"--log-format", "xml", "heads"}, "--log-format"},
		{"bad log level", []string{"--log-level", "loud", "heads"}, "--log-level"},
		{"bad tx mode", []string{"--tx-mode", "sometimes", "heads"}, "--tx-mode"},
		{"merge without revisions", []string{"merge"}, "merge takes the revisions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			if r.code != cli.ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", r.code, cli.ExitUsage, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			if !strings.HasPrefix(first, "migrate: ") || !strings.Contains(first, tt.want) {
				t.Errorf("stderr first line %q, want migrate: …%s…", first, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	inTemp(t)
	cmds := []string{"init", "revision", "merge", "heads", "branches", "history", "show",
		"current", "check", "upgrade", "downgrade", "stamp", "graph", "completion", "version"}
	for _, c := range cmds {
		t.Run(c, func(t *testing.T) {
			r := run(t, env{"MIGRATE_URL": "postgres://app:hunter2pw@db:5432/app"}, c, "--help")
			if r.code != cli.ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "migrate "+c) {
				t.Errorf("help of %s lacks an example:\n%s", c, r.stdout)
			}
			if strings.Contains(r.stdout, "hunter2pw") {
				t.Errorf("help shows a password:\n%s", r.stdout)
			}
		})
	}
}

func TestURLPrecedence(t *testing.T) {
	// Each source holds an unsupported URL naming itself, so the error says
	// which source won without any database.
	tests := []struct {
		name   string
		flag   bool
		env    env
		config bool
		want   string
	}{
		{"flag beats all", true, env{"MIGRATE_URL": "m://x", "DATABASE_URL": "d://x"}, true, "from --url"},
		{"MIGRATE_URL beats DATABASE_URL", false, env{"MIGRATE_URL": "m://x", "DATABASE_URL": "d://x"}, true, "from MIGRATE_URL"},
		{"DATABASE_URL beats config", false, env{"DATABASE_URL": "d://x"}, true, "from DATABASE_URL"},
		{"config beats default", false, nil, true, "from migrate.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inTemp(t)
			writeFile(t, "migrations/.keep", "")
			if tt.config {
				writeFile(t, "migrate.toml", "url = \"c://x\"\n")
			}
			args := []string{"current"}
			if tt.flag {
				args = append([]string{"--url", "f://x"}, args...)
			}
			r := run(t, tt.env, args...)
			if r.code != cli.ExitFailure {
				t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "database URL "+tt.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, tt.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		args    []string
		want    string
	}{
		{"unknown key", "migrate.toml", "script_location = \"migrations\"\n\nscript_dir = \"x\"\n", nil,
			`migrate.toml:3: unknown key "script_dir"`},
		{"bad transaction mode", "migrate.toml", "\ntransaction_mode = \"often\"\n", nil,
			`migrate.toml:2: invalid transaction mode "often"`},
		{"bad lock lease", "migrate.toml", "lock = \"lease\"\nlock_lease = \"soon\"\n", nil,
			`migrate.toml:2: invalid lock_lease "soon"`},
		{"lock lease too short", "migrate.toml", "lock_lease = \"10ms\"\n", nil,
			`migrate.toml:1: invalid lock_lease "10ms"`},
		{"syntax error", "migrate.toml", "url = \n", nil, "migrate.toml:1:"},
		{"wrong type", "migrate.toml", "url = 5\n", nil, "migrate.toml:1:"},
		{"explicit file missing", "", "", []string{"--config", "nope.toml"}, "read config: open nope.toml"},
		{"explicit file unknown key", "other.toml", "colour = \"blue\"\n", []string{"--config", "other.toml"},
			`other.toml:1: unknown key "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inTemp(t)
			writeFile(t, "migrations/.keep", "")
			if tt.file != "" {
				writeFile(t, tt.file, tt.content)
			}
			r := run(t, nil, append(tt.args, "heads")...)
			if r.code != cli.ExitFailure {
				t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.want)
			}
		})
	}
}

func TestConfigScriptLocation(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrate.toml", "script_location = \"db/revs\"\nversion_table = \"app_version\"\ntransaction_mode = \"revision\"\n")
	r := run(t, nil, "heads")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "script directory db/revs does not exist") {
		t.Fatalf("exit %d, stderr %q: want the configured directory named", r.code, r.stderr)
	}
	r = run(t, nil, "--dir", "elsewhere", "heads")
	if !strings.Contains(r.stderr, "script directory elsewhere does not exist") {
		t.Fatalf("--dir did not win over script_location: %q", r.stderr)
	}
}

func TestInit(t *testing.T) {
	inTemp(t)
	r := run(t, nil, "--url", "sqlite:app.db", "init")
	if r.code != cli.ExitOK {
		t.Fatalf("init: exit %d: %s", r.code, r.stderr)
	}
	golden(t, "init.stdout", r.stdout)
	data, err := os.ReadFile("migrate.toml")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "init.migrate.toml", string(data))
	if st, err := os.Stat("migrations"); err != nil || !st.IsDir() {
		t.Fatalf("migrations/ not created: %v", err)
	}
	// The file it writes is a valid config.
	if r := run(t, nil, "heads"); r.code != cli.ExitOK {
		t.Fatalf("heads after init: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, nil, "init")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "migrate.toml already exists") {
		t.Fatalf("second init: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestInitRefusesNonEmptyDir(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/x.sql", "")
	r := run(t, nil, "init")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "not empty") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat("migrate.toml"); err == nil {
		t.Error("migrate.toml written although init failed")
	}
}
