package cli_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/pgtest"
)

const urlFormScript = "-- migrate:revision f0a1\n\n-- migrate:upgrade\nCREATE TABLE url_form (id integer);\n\n-- migrate:downgrade\nDROP TABLE url_form;\n"

// keyValueOf renders a postgres:// URL as a libpq key=value string.
func keyValueOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	parts := []string{"host=" + u.Hostname(), "dbname=" + strings.TrimPrefix(u.Path, "/"), "sslmode=disable"}
	if p := u.Port(); p != "" {
		parts = append(parts, "port = "+p)
	}
	if n := u.User.Username(); n != "" {
		parts = append(parts, "user="+n)
	}
	if pw, ok := u.User.Password(); ok {
		parts = append(parts, "password='"+pw+"'")
	}
	return strings.Join(parts, " ")
}

// TestPostgresURLForms upgrades a real PostgreSQL database through each
// form an Alembic or libpq user has: SQLAlchemy's driver-qualified and
// async schemes, Python-only parameters (which the server would refuse
// as run-time settings), and key=value strings.
func TestPostgresURLForms(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/a.sql", urlFormScript)
	withScheme := func(raw, scheme, query string) string {
		_, rest, _ := strings.Cut(raw, "://")
		sep := "?"
		if strings.Contains(rest, "?") {
			sep = "&"
		}
		if query == "" {
			sep = ""
		}
		return scheme + "://" + rest + sep + query
	}
	for _, tc := range []struct {
		name string
		url  func(pg string) string
	}{
		{"asyncpg", func(pg string) string {
			return withScheme(pg, "postgresql+asyncpg", "prepared_statement_cache_size=0&async_fallback=true&ssl=disable")
		}},
		{"psycopg", func(pg string) string { return withScheme(pg, "postgresql+psycopg", "application_name=retort_psycopg") }},
		{"psycopg2", func(pg string) string {
			return withScheme(pg, "postgresql+psycopg2", "executemany_mode=values_plus_batch")
		}},
		{"pg8000", func(pg string) string { return withScheme(pg, "postgresql+pg8000", "timeout=10") }},
		{"pgx-params", func(pg string) string {
			return withScheme(pg, "postgresql", "default_query_exec_mode=simple_protocol&pool_max_conns=2")
		}},
		{"key-value", func(pg string) string { return keyValueOf(t, pg) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.url(pgtest.URL(t))
			if r := run(t, nil, "--url", raw, "upgrade"); r.code != cli.ExitOK {
				t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
			}
			r := run(t, nil, "--url", raw, "current", "-v")
			if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Rev: f0a1 (head)") {
				t.Fatalf("current: exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "prepared_statement_cache_size") || strings.Contains(r.stdout, "+asyncpg") {
				t.Errorf("current -v shows what the driver is not given:\n%s", r.stdout)
			}
			if r := run(t, nil, "--url", raw, "downgrade", "base"); r.code != cli.ExitOK {
				t.Fatalf("downgrade: exit %d: %s", r.code, r.stderr)
			}
		})
	}
}

// TestSQLiteURLForms checks that the "//" forms follow SQLAlchemy (three
// slashes: relative to the working directory; four: absolute; none: in
// memory), that the plain forms are unchanged, and that current -v and
// the first log line name the absolute path.
func TestSQLiteURLForms(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, "migrations/a.sql", urlFormScript)
	abs := filepath.Join(dir, "abs", "four.db")
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		url  string
		file string // the file the database must be in; "" in memory
	}{
		{"sqlite:///three.db", filepath.Join(dir, "three.db")},
		{"sqlite+aiosqlite:///async.db", filepath.Join(dir, "async.db")},
		{"sqlite+pysqlite:///sub/../py.db?check_same_thread=false", filepath.Join(dir, "py.db")},
		{"sqlite:///" + abs, abs},
		{"sqlite:plain.db", filepath.Join(dir, "plain.db")},
		{"sqlite:" + filepath.Join(dir, "plainabs.db"), filepath.Join(dir, "plainabs.db")},
		{"sqlite://", ""},
		{"sqlite+aiosqlite://", ""},
		{"sqlite::memory:", ""},
	} {
		t.Run(tc.url, func(t *testing.T) {
			if tc.url == "sqlite+pysqlite:///sub/../py.db?check_same_thread=false" {
				if err := os.MkdirAll("sub", 0o755); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, nil, "--url", tc.url, "--log-level", "debug", "--log-format", "json", "upgrade")
			if r.code != cli.ExitOK {
				t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
			}
			first, _, _ := strings.Cut(r.stderr, "\n")
			want := "sqlite::memory:"
			if tc.file != "" {
				want = "sqlite:" + tc.file
			}
			if !strings.Contains(first, `"opening database"`) || !strings.Contains(first, `"url":"`+want+`"`) {
				t.Errorf("first log line %q does not name %q", first, want)
			}
			if tc.file == "" {
				return
			}
			if _, err := os.Stat(tc.file); err != nil {
				t.Fatalf("database file: %v", err)
			}
			r = run(t, nil, "--url", tc.url, "current", "-v")
			if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Rev: f0a1 (head)") {
				t.Fatalf("current: exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
			line, _, _ := strings.Cut(r.stdout, "\n")
			if !strings.Contains(line, "sqlite:"+dir) {
				t.Errorf("current -v first line %q does not name the absolute path under %s", line, dir)
			}
		})
	}
	if _, err := os.Stat("/three.db"); err == nil {
		t.Error("sqlite:///three.db wrote /three.db at the file-system root")
	}
	if r := run(t, nil, "--url", "sqlite://host/x.db", "current"); r.code == cli.ExitOK || !strings.Contains(r.stderr, "names no host") {
		t.Errorf("sqlite://host/x.db: exit %d: %s", r.code, r.stderr)
	}
}

// TestInitValidatesURL checks that init refuses a URL it could not use,
// before writing anything.
func TestInitValidatesURL(t *testing.T) {
	inTemp(t)
	r := run(t, nil, "--url", "postgres://app:Sup3rS3cretPw@Vault:tail@db/app", "init")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "--url") || strings.Contains(r.stderr, "Sup3r") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, p := range []string{cli.DefaultConfigFile, cli.DefaultDir} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written", p)
		}
	}
	if r := run(t, nil, "--url", "postgresql+asyncpg://app@db/app", "init"); r.code != cli.ExitOK {
		t.Fatalf("valid URL: exit %d: %s", r.code, r.stderr)
	}
}
