package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/script"
)

// execSQL runs every statement of text on the database url names, outside
// the CLI.
func execSQL(t *testing.T, url, text string) {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	d, err := dsn.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var pool adapter.Pool
	if d.Kind == dsn.Postgres {
		pool, err = postgres.Open(ctx, d.URL)
	} else {
		pool, err = sqlite.Open(ctx, d.Path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	stmts, err := script.Split(text, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s.SQL); err != nil {
			t.Fatalf("line %d: %q: %v", s.Line, s.SQL, err)
		}
	}
}

// TestOfflineSQL runs the script `upgrade --sql` prints on an empty
// database, with no connection made while printing, and checks that the
// database ends at head like an online upgrade.
func TestOfflineSQL(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			inTemp(t)
			quickstart(t)
			url := db.url(t)
			// No database behind this URL: --sql must not connect.
			r := run(t, nil, "--url", "postgres://app:Sup3rSecret@127.0.0.1:1/none", "--log-level", "disabled",
				"upgrade", "--sql", "--dialect", db.name)
			if r.code != 0 {
				t.Fatalf("upgrade --sql: exit %d: %s", r.code, r.stderr)
			}
			for _, want := range []string{"BEGIN;", "CREATE TABLE account", "-- upgrade 3c4d5e6f7a8b", `INSERT INTO "migrate_version"`, "COMMIT;"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("offline script lacks %q:\n%s", want, r.stdout)
				}
			}
			execSQL(t, url, r.stdout)
			c := run(t, nil, "--url", url, "current")
			if c.code != 0 || c.stdout != "3c4d5e6f7a8b (head)\n" {
				t.Fatalf("current after running the offline script: exit %d, %q, %s", c.code, c.stdout, c.stderr)
			}
			if c := run(t, nil, "--url", url, "check"); c.code != 0 {
				t.Errorf("check after the offline script: %s", c.stderr)
			}

			// A downgrade script needs a range, and reverts to base.
			down := run(t, nil, "--url", url, "--log-level", "disabled", "downgrade", "--sql", "head:base")
			if down.code != 0 || !strings.Contains(down.stdout, "DROP TABLE invoice") {
				t.Fatalf("downgrade --sql head:base: exit %d, %s%s", down.code, down.stdout, down.stderr)
			}
			execSQL(t, url, down.stdout)
			if c := run(t, nil, "--url", url, "current"); c.code != 0 || c.stdout != "" {
				t.Errorf("current after the offline downgrade: %q %s", c.stdout, c.stderr)
			}
		})
	}
}

func TestOfflineSQLForms(t *testing.T) {
	inTemp(t)
	quickstart(t)
	quiet := []string{"--log-level", "disabled"}
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		want    []string // in stdout, or stderr on failure
		notWant []string
	}{
		{"upgrade from a revision", []string{"upgrade", "--sql", "1a2b3c4d5e6f:head"}, 0,
			[]string{"-- upgrade 2b3c4d5e6f7a", `UPDATE "migrate_version" SET version_num = '2b3c4d5e6f7a'`},
			[]string{"CREATE TABLE account"}},
		{"upgrade sqlite from the default URL", []string{"upgrade", "--sql", "+1"}, 0,
			[]string{"-- upgrade 1a2b3c4d5e6f"}, []string{"2b3c4d5e6f7a"}},
		{"stamp postgres", []string{"stamp", "--sql", "--dialect", "postgres", "head"}, 0,
			[]string{`INSERT INTO "migrate_version" (version_num) VALUES ('3c4d5e6f7a8b')`}, []string{"CREATE TABLE account"}},
		{"stamp range", []string{"stamp", "--sql", "1a2b3c4d5e6f:head"}, 0,
			[]string{`UPDATE "migrate_version" SET version_num = '3c4d5e6f7a8b' WHERE version_num = '1a2b3c4d5e6f'`}, nil},
		{"downgrade without a range", []string{"downgrade", "--sql", "base"}, cli.ExitFailure,
			[]string{"needs a range"}, nil},
		{"range without --sql", []string{"upgrade", "1a2b3c4d5e6f:head"}, cli.ExitUsage,
			[]string{"needs --sql"}, nil},
		{"stamp range without --sql", []string{"stamp", "base:head"}, cli.ExitUsage, []string{"needs --sql"}, nil},
		{"dialect without --sql", []string{"upgrade", "--dialect", "postgres"}, cli.ExitUsage,
			[]string{"--dialect applies only with --sql"}, nil},
		{"unknown dialect", []string{"upgrade", "--sql", "--dialect", "oracle"}, cli.ExitUsage,
			[]string{`invalid dialect "oracle"`}, nil},
		{"resume with --sql", []string{"upgrade", "--sql", "--resume"}, cli.ExitUsage, []string{"do not apply with --sql"}, nil},
		{"unknown scheme", []string{"--url", "oracle://x/y", "upgrade", "--sql"}, cli.ExitFailure,
			[]string{"--dialect postgres|sqlite"}, nil},
		{"bad range start", []string{"upgrade", "--sql", "53ae:head"}, cli.ExitFailure, []string{"53ae"}, nil},
		{"stamp several", []string{"stamp", "--sql", "1a2b3c4d5e6f", "3c4d5e6f7a8b"}, 0,
			[]string{"VALUES ('1a2b3c4d5e6f')", "VALUES ('3c4d5e6f7a8b')"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, nil, append(quiet, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d: %s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			text := r.stdout
			if tc.code != 0 {
				text = r.stderr
				if r.stdout != "" {
					t.Errorf("a failed run wrote to stdout:\n%s", r.stdout)
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(text, w) {
					t.Errorf("output has %q:\n%s", w, text)
				}
			}
		})
	}
	if _, err := os.Stat("migrate.db"); err == nil {
		t.Error("--sql created the default SQLite database")
	}
}

func TestTimeout(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			inTemp(t)
			url := db.url(t)
			writeFile(t, "migrations/a_slow.sql", `-- migrate:revision aaaaaaaaaaaa
-- migrate:message slow revision

-- migrate:upgrade
CREATE TABLE before_slow (id integer);
`+db.slow+`;

-- migrate:downgrade
DROP TABLE before_slow;
`)
			for _, args := range [][]string{
				{"--url", url, "--timeout", "500ms", "upgrade"},
				{"--url", url, "upgrade", "--timeout", "500ms"},
			} {
				r := run(t, nil, args...)
				if r.code != cli.ExitFailure {
					t.Fatalf("%v: exit %d, want 1: %s", args, r.code, r.stderr)
				}
				if !strings.Contains(r.stderr, "timed out after 500ms (--timeout)") || !strings.Contains(r.stderr, "aaaaaaaaaaaa") {
					t.Errorf("%v: error does not say timeout and the revision: %s", args, r.stderr)
				}
			}
			if r := run(t, nil, "--url", url, "current"); r.code != 0 || r.stdout != "" {
				t.Errorf("after the timeout current = %q (%s), want empty", r.stdout, r.stderr)
			}
			if r := run(t, nil, "--url", url, "--timeout", "1m", "current"); r.code != 0 {
				t.Errorf("a timeout that does not expire: exit %d: %s", r.code, r.stderr)
			}
			if r := run(t, nil, "--url", url, "--timeout", "-1s", "current"); r.code != cli.ExitUsage {
				t.Errorf("negative timeout: exit %d", r.code)
			}
		})
	}
}

// TestDriftAndResume edits an applied script and interrupts a
// transaction=false section, and checks what check, upgrade and
// history --applied say, and that --allow-drift and --resume get past them.
func TestDriftAndResume(t *testing.T) {
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			inTemp(t)
			quickstart(t)
			url := db.url(t)
			e := env{"MIGRATE_URL": url}
			if r := run(t, e, "upgrade"); r.code != 0 {
				t.Fatalf("upgrade: %s", r.stderr)
			}
			path := "migrations/2b3c4d5e6f7a_add_account_name.sql"
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, strings.Replace(string(data), "-- migrate:downgrade", "SELECT 1;\n\n-- migrate:downgrade", 1))
			for _, cmd := range []string{"check", "upgrade"} {
				r := run(t, e, cmd)
				if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "2b3c4d5e6f7a") ||
					!strings.Contains(r.stderr, "edited after it was applied") || !strings.Contains(r.stderr, "--allow-drift") {
					t.Errorf("%s over drift: exit %d: %s", cmd, r.code, r.stderr)
				}
			}
			if r := run(t, e, "upgrade", "--allow-drift"); r.code != 0 || !strings.Contains(r.stdout, "nothing to upgrade") {
				t.Errorf("upgrade --allow-drift: exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			writeFile(t, path, string(data))

			// A transaction=false section whose second statement fails.
			writeFile(t, "migrations/4d5e6f7a8b9c_notx.sql", `-- migrate:revision 4d5e6f7a8b9c
-- migrate:down_revision 3c4d5e6f7a8b
-- migrate:message no transaction

-- migrate:upgrade transaction=false
CREATE TABLE steps (n integer);
INSERT INTO steps SELECT * FROM steps_gate;
INSERT INTO steps VALUES (3);

-- migrate:downgrade
DROP TABLE steps;
`)
			if r := run(t, e, "upgrade"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "4d5e6f7a8b9c") {
				t.Fatalf("failing section: exit %d: %s", r.code, r.stderr)
			}
			for _, cmd := range []string{"check", "upgrade"} {
				r := run(t, e, cmd)
				if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "interrupted after 1 of 3 statements") ||
					!strings.Contains(r.stderr, "--resume") || !strings.Contains(r.stderr, "migrate stamp") {
					t.Errorf("%s over an interrupted section: exit %d: %s", cmd, r.code, r.stderr)
				}
			}
			r := run(t, e, "history", "--applied")
			if r.code != 0 || !strings.Contains(r.stdout, "running (1/3)") || !strings.Contains(r.stdout, "STARTED_AT") {
				t.Errorf("history --applied: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
			}
			execSQL(t, url, "CREATE TABLE steps_gate (n integer)")
			if r := run(t, e, "upgrade", "--resume"); r.code != 0 || !strings.Contains(r.stdout, "upgrade   4d5e6f7a8b9c") {
				t.Fatalf("upgrade --resume: exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			if r := run(t, e, "check"); r.code != 0 {
				t.Errorf("check after resume: %s", r.stderr)
			}

			r = run(t, e, "history", "--applied", "--json")
			var rows []map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 4 {
				t.Fatalf("history --applied --json: %v\n%s", err, r.stdout)
			}
			first := rows[0]
			for _, k := range []string{"started_at", "direction", "revision", "status", "duration_ms", "db_user", "host", "checksum"} {
				if _, ok := first[k]; !ok {
					t.Errorf("history --applied --json lacks %q: %v", k, first)
				}
			}
			if first["revision"] != "1a2b3c4d5e6f" || first["direction"] != "upgrade" || len(first["checksum"].(string)) != 64 {
				t.Errorf("first history row: %v", first)
			}
			if r := run(t, e, "history", "--applied", "-v"); r.code != cli.ExitUsage {
				t.Errorf("--applied -v: exit %d", r.code)
			}
		})
	}
}

func TestNextStepHints(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/a.sql", "-- migrate:revision aaaaaaaaaaaa\n-- migrate:upgrade\nCREATE TABLE a (id integer);\n")
	writeFile(t, "migrations/b.sql", "-- migrate:revision bbbbbbbbbbbb\n-- migrate:down_revision aaaaaaaaaaaa\n-- migrate:upgrade\nCREATE TABLE b (id integer);\n")
	writeFile(t, "migrations/c.sql", "-- migrate:revision bbbbcccccccc\n-- migrate:down_revision aaaaaaaaaaaa\n-- migrate:upgrade\nCREATE TABLE c (id integer);\n")
	r := run(t, nil, "upgrade", "head")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "multiple heads") || !strings.Contains(r.stderr, `migrate merge heads -m "merge heads"`) {
		t.Errorf("multiple heads: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, nil, "upgrade", "bbbb")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "give more characters") {
		t.Errorf("ambiguous prefix: exit %d: %s", r.code, r.stderr)
	}
	if r := run(t, nil, "upgrade", "aaaa"); r.code != 0 {
		t.Fatalf("upgrade aaaa: %s", r.stderr)
	}
	r = run(t, nil, "check")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "2 pending") || !strings.Contains(r.stderr, "run migrate upgrade") {
		t.Errorf("check: exit %d: %s", r.code, r.stderr)
	}
	if lines := strings.Count(strings.TrimSpace(r.stderr), "\n"); lines != 0 {
		t.Errorf("check printed %d lines, want one: %s", lines+1, r.stderr)
	}
}
