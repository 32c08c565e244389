package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/mysqltest"
	"github.com/retort-sql/retort/internal/pgtest"
)

// quickstart copies examples/quickstart/migrations into the working
// directory's migrations/.
func quickstart(t *testing.T) {
	t.Helper()
	src := filepath.Join(testdataRoot, "..", "..", "examples", "quickstart", "migrations")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join("migrations", e.Name()), string(data))
	}
}

var appliedLine = regexp.MustCompile(`^(upgrade|downgrade) +([0-9a-f]{12}), (.+) \(\S+\)$`)

// appliedOf returns "direction id" for each applied line of stdout.
func appliedOf(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if m := appliedLine.FindStringSubmatch(line); m != nil {
			out = append(out, m[1]+" "+m[2])
		}
	}
	return out
}

// databases are the databases every run test covers: SQLite in the working
// directory, and a fresh PostgreSQL database (internal/pgtest: skipped when
// no server can be had, except under CI).
var databases = []struct {
	name string
	url  func(t *testing.T) string
	slow string // a statement that runs for many seconds
}{
	{"sqlite", func(*testing.T) string { return "sqlite:test.db" },
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) FROM c"},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }, "SELECT pg_sleep(30)"},
}

func TestMain(m *testing.M) { pgtest.Main(m, mysqltest.Stop) }

func TestUpgradeDowngrade(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			inTemp(t)
			quickstart(t)
			testUpgradeDowngrade(t, env{"MIGRATE_URL": db.url(t)})
		})
	}
}

func testUpgradeDowngrade(t *testing.T, e env) {

	r := run(t, e, "current")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("current on an empty database: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, e, "check")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "not at head") {
		t.Fatalf("check before upgrade: exit %d, %s", r.code, r.stderr)
	}

	r = run(t, e, "upgrade")
	if r.code != 0 {
		t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
	}
	want := []string{"upgrade 1a2b3c4d5e6f", "upgrade 2b3c4d5e6f7a", "upgrade 3c4d5e6f7a8b"}
	if got := appliedOf(t, r.stdout); !equal(got, want) {
		t.Errorf("applied %v, want %v; stdout:\n%s", got, want, r.stdout)
	}
	if !strings.Contains(r.stdout, "upgraded 3 revisions in ") || !strings.Contains(r.stdout, "<base> -> 3c4d5e6f7a8b") {
		t.Errorf("no summary in:\n%s", r.stdout)
	}

	r = run(t, e, "current")
	if r.code != 0 || r.stdout != "3c4d5e6f7a8b (head)\n" {
		t.Errorf("current: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, e, "current", "--json")
	var cur []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &cur); err != nil || len(cur) != 1 || cur[0]["revision"] != "3c4d5e6f7a8b" {
		t.Errorf("current --json: %v %s", err, r.stdout)
	}
	r = run(t, e, "check")
	if r.code != 0 {
		t.Errorf("check at head: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, e, "history", "-i")
	if !strings.Contains(r.stdout, "2b3c4d5e6f7a -> 3c4d5e6f7a8b (head) (current), create invoice table") {
		t.Errorf("history -i:\n%s%s", r.stdout, r.stderr)
	}

	r = run(t, e, "upgrade")
	if r.code != 0 || !strings.Contains(r.stdout, "nothing to upgrade") {
		t.Errorf("second upgrade: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}

	r = run(t, e, "downgrade", "-1")
	if got := appliedOf(t, r.stdout); r.code != 0 || !equal(got, []string{"downgrade 3c4d5e6f7a8b"}) {
		t.Errorf("downgrade -1: exit %d, %v, %s", r.code, got, r.stderr)
	}
	r = run(t, e, "downgrade", "base")
	if got := appliedOf(t, r.stdout); r.code != 0 || !equal(got, []string{"downgrade 2b3c4d5e6f7a", "downgrade 1a2b3c4d5e6f"}) {
		t.Errorf("downgrade base: exit %d, %v, %s", r.code, got, r.stderr)
	}

	r = run(t, e, "stamp", "2b3c")
	if r.code != 0 || r.stdout != "stamped <base> -> 2b3c4d5e6f7a\n" {
		t.Errorf("stamp: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, e, "stamp", "--purge", "head")
	if r.code != 0 || !strings.HasSuffix(r.stdout, "-> 3c4d5e6f7a8b\n") {
		t.Errorf("stamp --purge: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
}

func TestLogFormatJSON(t *testing.T) {
	inTemp(t)
	quickstart(t)
	r := run(t, nil, "--url", "sqlite:log.db", "--log-format", "json", "upgrade")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Errorf("stderr line is not JSON: %q", line)
		}
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	inTemp(t)
	quickstart(t)
	const secret = "Sup3rSecretPw"
	url := "postgres://app:" + secret + "@127.0.0.1:1/app?connect_timeout=2"
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"--url", url, "current"},
		{"--url", url, "--log-level", "debug", "upgrade"},
		{"--url", url, "current", "-v"},
	} {
		r := runCtx(t, ctx, nil, args...)
		if r.code != cli.ExitFailure {
			t.Errorf("%v: exit %d, want 1 (unreachable server)", args, r.code)
		}
		if strings.Contains(r.stderr+r.stdout, secret) {
			t.Errorf("%v: password printed:\n%s%s", args, r.stdout, r.stderr)
		}
		var plain []string // stderr lines that are not JSON log events
		for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
			if !strings.HasPrefix(l, "{") {
				plain = append(plain, l)
			}
		}
		if len(plain) != 1 || !strings.HasPrefix(plain[0], "migrate: ") {
			t.Errorf("%v: want one error line, got %q", args, plain)
		}
	}
	r := runCtx(t, ctx, env{"DATABASE_URL": url}, "current")
	if strings.Contains(r.stderr, secret) {
		t.Errorf("DATABASE_URL password printed: %s", r.stderr)
	}
}

func TestInterruptExitCode(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			inTemp(t)
			testInterrupt(t, db.url(t), db.slow)
		})
	}
}

func testInterrupt(t *testing.T, url, slow string) {
	writeFile(t, "migrations/a_slow.sql", `-- migrate:revision aaaaaaaaaaaa
-- migrate:message slow revision

-- migrate:upgrade
CREATE TABLE before_slow (id integer);
`+slow+`;

-- migrate:downgrade
DROP TABLE before_slow;
`)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT)
	defer stop()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		time.Sleep(300 * time.Millisecond)
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	}()
	start := time.Now()
	r := runCtx(t, ctx, nil, "--url", url, "upgrade")
	// Keep the handler installed until the signal has arrived, so that it
	// never reaches the test binary's default handler.
	<-sent
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGINT never reached the context")
	}
	if r.code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", r.code, r.stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	if !strings.Contains(r.stderr, "aaaaaaaaaaaa") {
		t.Errorf("error does not name the interrupted revision: %s", r.stderr)
	}
	r = run(t, nil, "--url", url, "current")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("after interrupt current = %q (exit %d, %s), want empty", r.stdout, r.code, r.stderr)
	}
}

func equal(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }
