package main_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/retort-sql/retort/internal/pgtest"
)

// secretPassword is the password every URL of TestSecretsNeverPrinted
// carries. The test server trusts its clients, so any password logs in;
// when the server's own URL has a password, that one is used instead.
const secretPassword = "Sup3rS3cretPw"

// secretStep is one invocation of TestSecretsNeverPrinted.
type secretStep struct {
	name string
	args []string // after --dir
	env  []string // added to an environment that names no database
	// dir is the script folder: good, sqlerror or slow.
	dir string
	// fail says the command must fail (exit code non-zero), so that the
	// error path ran; otherwise it must succeed.
	fail bool
	// signal, when set, is sent once the command has run for a moment;
	// the exit code must then be 128+signal.
	signal syscall.Signal
	// show is text the output must contain: the redacted URL, where the
	// command prints it.
	show string
}

// TestSecretsNeverPrinted drives the error and log paths of the binary
// with URLs that carry a password, in the userinfo and as a password
// parameter, and checks that neither stdout nor stderr ever shows it.
func TestSecretsNeverPrinted(t *testing.T) {
	bin := buildMigrate(t)
	work := t.TempDir()
	writeSecretScripts(t, work)
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			// A database of its own: the steps below walk it through
			// upgrades, failures and downgrades in order.
			pg, pw := passwordURL(t, pgtest.URL(t))
			for _, s := range secretSteps(t, work, format, pg, pw) {
				t.Run(s.name, func(t *testing.T) { runSecretCheck(t, bin, work, s, pw) })
			}
		})
	}
}

// secretSteps lists the invocations, in the order they run against pg.
func secretSteps(t *testing.T, work, format, pg, pw string) []secretStep {
	t.Helper()
	// The same database, the password given as a parameter instead.
	pq := func() string {
		u, _ := url.Parse(pg)
		u.User = url.User(u.User.Username())
		q := u.Query()
		q.Set("password", pw)
		u.RawQuery = q.Encode()
		return u.String()
	}()
	noDB := func() string {
		u, _ := url.Parse(pg)
		u.Path = "/retort_no_such_database"
		return u.String()
	}()
	dead := "postgres://app:" + pw + "@127.0.0.1:1/app?sslmode=disable&connect_timeout=3"
	unknownHost := "postgres://app:" + pw + "@no-such-host.invalid/app?connect_timeout=3"
	malformed := "postgres://app:" + pw + "@[::1/app"
	keyValue := "host=127.0.0.1 user=app password=" + pw
	// The same database as pg, as libpq key=value settings.
	pgKeyValue := func() string {
		u, _ := url.Parse(pg)
		kv := "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() +
			" dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable password = '" + pw + "' sslpassword=" + pw
		return kv
	}()
	withQuery := func(raw, q string) string {
		if strings.Contains(raw, "?") {
			return raw + "&" + q
		}
		return raw + "?" + q
	}
	sslPassword := withQuery(pg, "sslpassword="+pw)
	asyncpg := withQuery("postgresql+asyncpg"+strings.TrimPrefix(pg, "postgres"), "prepared_statement_cache_size=0")
	if strings.HasPrefix(pg, "postgresql") {
		asyncpg = withQuery("postgresql+asyncpg"+strings.TrimPrefix(pg, "postgresql"), "prepared_statement_cache_size=0")
	}
	// A raw '@' and ':' in the password: both halves carry the secret.
	rawAt := "postgres://app:" + pw + "@Vault" + pw + ":tail@127.0.0.1/app"
	badKeyValue := "host=127.0.0.1 user=app password='" + pw

	config := filepath.Join(work, format+".toml")
	if err := os.WriteFile(config, []byte("url = \""+pg+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badConfig := filepath.Join(work, format+"-bad.toml")
	if err := os.WriteFile(badConfig, []byte("url = \""+dead+"\"\nurl_typo = \""+pg+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	targets := filepath.Join(work, format+"-targets.txt")
	if err := os.WriteFile(targets, []byte("# fleet\n"+pg+"\n"+dead+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const errs = "errs.migrate_version"
	pgAdminExec(t, pg, "CREATE SCHEMA errs")
	level := "trace"
	if format == "console" {
		level = "debug"
	}
	with := func(args ...string) []string {
		return append([]string{"--log-level", level, "--log-format", format}, args...)
	}
	return []secretStep{
		// Failures before anything is written.
		{name: "unreachable", args: with("--url", dead, "upgrade"), fail: true, show: "app:xxxxx@127.0.0.1:1"},
		{name: "unknown-host", args: with("--url", unknownHost, "current"), fail: true},
		{name: "malformed", args: with("--url", malformed, "upgrade"), fail: true},
		{name: "key-value", args: with("--url", keyValue, "upgrade"), fail: true},
		{name: "key-value-unterminated", args: with("--url", badKeyValue, "upgrade"), fail: true},
		{name: "raw-at-in-password", args: with("--url", rawAt, "current", "-v"), fail: true, show: "postgres://<unparseable>"},
		{name: "raw-at-init", args: with("--url", rawAt, "--config", filepath.Join(work, format+"-init.toml"), "init"), fail: true},
		{name: "wrong-database", args: with("--url", noDB, "upgrade"), fail: true},
		{name: "bad-target", args: with("--url", pg, "upgrade", "nosuchrev"), fail: true},
		{name: "usage-error", args: with("--url", pg, "upgrade", "a", "b"), fail: true},
		{name: "bad-tx-mode", args: with("--url", pg, "--tx-mode", "sometimes", "upgrade"), fail: true},
		{name: "bad-lock", args: with("--url", keyValue, "--lock", "lease", "upgrade"), fail: true},
		{name: "unknown-command", args: with("--url", pg, "upgrayedd"), fail: true},
		{name: "config-file-bad", args: with("--config", badConfig, "upgrade"), fail: true},
		{name: "database-url", args: with("upgrade", "nosuchrev"), env: []string{"DATABASE_URL=" + pg}, fail: true},
		// A revision fails; the run rolls back. These scripts keep their
		// own version and history tables, in schema errs.
		{name: "sql-error", dir: "sqlerror", args: with("--url", pg, "--version-table", errs, "upgrade"), fail: true},
		{name: "sql-error-param", dir: "sqlerror", args: with("--url", pq, "--version-table", errs, "upgrade"), fail: true},
		{name: "default-logs-error", dir: "sqlerror", args: []string{"--url", pg, "--version-table", errs, "upgrade", "head"}, fail: true},
		// Interrupted runs.
		{name: "cancelled", dir: "slow", args: with("--url", pg, "--version-table", errs, "upgrade"), fail: true, signal: syscall.SIGINT},
		{name: "terminated", dir: "slow", args: with("--url", pg, "--version-table", errs, "upgrade"), fail: true, signal: syscall.SIGTERM},
		{name: "timeout", dir: "slow", args: with("--url", pg, "--version-table", errs, "--timeout", "1s", "upgrade"), fail: true},
		// One revision per transaction: e1 and e2 stay applied, e3 fails;
		// then e2's downgrade fails.
		{name: "sql-error-per-revision", dir: "sqlerror", args: with("--url", pg, "--version-table", errs, "--tx-mode", "revision", "upgrade"), fail: true},
		{name: "downgrade-sql-error", dir: "sqlerror", args: with("--url", pg, "--version-table", errs, "downgrade", "base"), fail: true},
		// The good scripts, from base.
		{name: "check-behind", args: with("--url", pg, "check"), fail: true},
		{name: "upgrade", args: with("--url", pg, "upgrade", "+1")},
		{name: "upgrade-param", args: with("--url", pq, "upgrade")},
		{name: "current", args: with("--url", pg, "current", "-v"), show: ":xxxxx@"},
		{name: "current-json", args: with("--url", pq, "current", "--json"), show: "password=xxxxx"},
		{name: "check", args: with("--url", pg, "check")},
		{name: "sslpassword", args: with("--url", sslPassword, "current", "-v"), show: "sslpassword=xxxxx"},
		{name: "key-value-current", args: with("--url", pgKeyValue, "current", "-v"), show: "password=xxxxx sslpassword=xxxxx"},
		{name: "key-value-check", args: with("--url", pgKeyValue, "check")},
		{name: "asyncpg-current", args: with("--url", asyncpg, "current", "-v"), show: ":xxxxx@"},
		{name: "history-applied", args: with("--url", pg, "history", "--applied")},
		{name: "history-indicate", args: with("--url", pg, "history", "-i", "-v")},
		{name: "offline-sql", args: with("--url", pg, "upgrade", "--sql", "base:head")},
		{name: "stamp", args: with("--url", pg, "stamp", "head")},
		{name: "lease-lock", args: with("--url", pg, "--lock", "lease", "upgrade")},
		{name: "schemas", args: with("--url", pg, "upgrade", "--schemas", "s1,s2")},
		{name: "targets", args: with("upgrade", "--targets", targets, "--continue-on-error"), fail: true},
		{name: "config-file", args: with("--config", config, "current", "-v")},
		{name: "config-file-upgrade", args: with("--config", config, "upgrade")},
		{name: "config-file-error", args: with("--config", config, "upgrade", "nosuchrev"), fail: true},
		{name: "downgrade", args: with("--url", pg, "downgrade", "base")},
		{name: "migrate-url", args: with("current", "-v"), env: []string{"MIGRATE_URL=" + pg}, show: ":xxxxx@"},
		{name: "default-logs", args: []string{"--url", pg, "upgrade"}},
		{name: "help", args: []string{"--url", pg, "--help"}},
		{name: "help-env", args: []string{"upgrade", "--help"}, env: []string{"MIGRATE_URL=" + pg, "DATABASE_URL=" + pq}},
		{name: "help-config", args: []string{"--config", config, "current", "--help"}},
	}
}

// runSecretCheck runs one step and checks its exit code and that no
// output shows the password.
func runSecretCheck(t *testing.T, bin, work string, s secretStep, pw string) {
	t.Helper()
	dir := s.dir
	if dir == "" {
		dir = "good"
	}
	args := append([]string{"--dir", filepath.Join(work, dir)}, s.args...)
	code, stdout, stderr := runSecretStep(t, bin, work, args, s.env, s.signal)
	if (code != 0) != s.fail {
		t.Errorf("exit code %d, want failure %v; stdout:\n%s\nstderr:\n%s", code, s.fail, stdout, stderr)
	}
	if s.signal != 0 && code != 128+int(s.signal) {
		t.Errorf("exit code %d after %v, want %d", code, s.signal, 128+int(s.signal))
	}
	if s.show != "" && !strings.Contains(stdout+stderr, s.show) {
		t.Errorf("output does not show %q; stdout:\n%s\nstderr:\n%s", s.show, stdout, stderr)
	}
	for _, out := range []struct{ name, text string }{{"stdout", stdout}, {"stderr", stderr}} {
		for _, form := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw)} {
			if strings.Contains(out.text, form) {
				t.Errorf("%s shows the password:\n%s", out.name, out.text)
			}
		}
	}
}

// passwordURL returns raw with a password, and the password: raw's own
// when it has one, else secretPassword, checked to log in.
func passwordURL(t *testing.T, raw string) (string, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if pw, ok := u.User.Password(); ok && len(pw) >= 4 {
		return raw, pw
	}
	u.User = url.UserPassword(u.User.Username(), secretPassword)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatalf("the test server does not accept a made-up password (it must trust 127.0.0.1, or its URL must carry the password): %v", err)
	}
	_ = c.Close(ctx)
	return u.String(), secretPassword
}

func writeSecretScripts(t *testing.T, work string) {
	t.Helper()
	files := map[string]string{
		"good/a.sql":      "-- migrate:revision 5ec0000000a1\n\n-- migrate:upgrade\nCREATE TABLE secret_a (id integer);\n\n-- migrate:downgrade\nDROP TABLE secret_a;\n",
		"good/b.sql":      "-- migrate:revision 5ec0000000b2\n-- migrate:down_revision 5ec0000000a1\n\n-- migrate:upgrade\nCREATE TABLE secret_b (id integer);\n\n-- migrate:downgrade\nDROP TABLE secret_b;\n",
		"sqlerror/a.sql":  "-- migrate:revision 5ec0000000e1\n\n-- migrate:upgrade\nCREATE TABLE secret_e1 (id integer);\n\n-- migrate:downgrade\nDROP TABLE secret_e1;\n",
		"sqlerror/b.sql":  "-- migrate:revision 5ec0000000e2\n-- migrate:down_revision 5ec0000000e1\n\n-- migrate:upgrade\nCREATE TABLE secret_e2 (id integer);\n\n-- migrate:downgrade\nDROP TABLE no_such_table;\n",
		"sqlerror/c.sql":  "-- migrate:revision 5ec0000000e3\n-- migrate:down_revision 5ec0000000e2\n\n-- migrate:upgrade\nINSERT INTO no_such_table VALUES (1);\n",
		"slow/a.sql":      "-- migrate:revision 5ec0000000f1\n\n-- migrate:upgrade\nSELECT pg_sleep(30);\n",
		"slowmysql/a.sql": "-- migrate:revision 5ec0000000f1\n\n-- migrate:upgrade\nSELECT SLEEP(30);\n",
	}
	for name, body := range files {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runSecretStep runs the binary in dir and returns its exit code, stdout
// and stderr; with sig it signals the process after a moment.
func runSecretStep(t *testing.T, bin, dir string, args, env []string, sig syscall.Signal) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "MIGRATE_URL=", "DATABASE_URL="), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if sig != 0 {
		time.Sleep(1500 * time.Millisecond)
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run %v: %v", args, err)
	return 0, "", ""
}
