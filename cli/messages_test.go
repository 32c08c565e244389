package cli_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/pgtest"
)

// TestEnumValueHint: using an enum value added earlier in the same
// whole-run transaction fails with SQLSTATE 55P04; the error says how to
// commit the enum change first.
func TestEnumValueHint(t *testing.T) {
	inTemp(t)
	e := env{"MIGRATE_URL": pgtest.URL(t)}
	writeFile(t, "migrations/e1.sql", "-- migrate:revision e1\n-- migrate:message create mood\n-- migrate:upgrade\nCREATE TYPE mood AS ENUM ('sad');\n")
	writeFile(t, "migrations/e2.sql", "-- migrate:revision e2\n-- migrate:down_revision e1\n-- migrate:message add happy\n-- migrate:upgrade\nALTER TYPE mood ADD VALUE 'happy';\n")
	writeFile(t, "migrations/e3.sql", "-- migrate:revision e3\n-- migrate:down_revision e2\n-- migrate:message use happy\n-- migrate:upgrade\nCREATE TABLE feeling (m mood NOT NULL DEFAULT 'happy');\nINSERT INTO feeling DEFAULT VALUES;\n")
	if r := run(t, e, "upgrade", "e1"); r.code != 0 {
		t.Fatalf("upgrade e1: exit %d: %s", r.code, r.stderr)
	}
	r := run(t, e, "upgrade", "head")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "55P04") || !strings.Contains(r.stderr, "--tx-mode revision") ||
		!strings.Contains(r.stderr, "transaction=false") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("upgrade over an uncommitted enum value: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := run(t, e, "--tx-mode", "revision", "upgrade", "head"); r.code != 0 {
		t.Fatalf("the hint's remedy: exit %d: %s", r.code, r.stderr)
	}
}

// TestMessagesAPersonReads holds the wording of a few everyday lines.
func TestMessagesAPersonReads(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/f1.sql", "-- migrate:revision f1\n-- migrate:upgrade\nCREATE TABLE f (id int);\n")
	writeFile(t, "migrations/f2.sql", "-- migrate:revision f2\n-- migrate:down_revision f1\n-- migrate:message second\n-- migrate:upgrade\nCREATE TABLE g (id int);\n")

	r := run(t, nil, "check")
	if r.code == 0 || !strings.Contains(r.stderr, "current <base>") {
		t.Errorf("check on an empty database: exit %d, %q; want it to say <base>", r.code, r.stderr)
	}
	r = run(t, nil, "upgrade", "head")
	lines := strings.Split(r.stdout, "\n")
	if r.code != 0 || len(lines) < 2 || !strings.HasPrefix(lines[0], "upgrade   f1 (") || !strings.HasPrefix(lines[1], "upgrade   f2, second (") {
		t.Errorf("upgrade: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestCurrentVerboseShowsWherePGVariablesLead: a bare postgres:// URL is
// completed by pgx from PG* variables; current -v shows where it leads,
// never the password.
func TestCurrentVerboseShowsWherePGVariablesLead(t *testing.T) {
	inTemp(t)
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	t.Setenv("PGHOST", u.Hostname())
	t.Setenv("PGPORT", u.Port())
	t.Setenv("PGUSER", u.User.Username())
	t.Setenv("PGDATABASE", db)
	t.Setenv("PGPASSWORD", "not-this-secret")
	writeFile(t, "migrations/.keep", "")
	r := run(t, env{"MIGRATE_URL": "postgres://"}, "current", "-v")
	want := "Current revision(s) for postgres://" + u.User.Username() + "@" + u.Hostname() + ":" + u.Port() + "/" + db + ":\n"
	if r.code != 0 || r.stdout != want || strings.Contains(r.stdout+r.stderr, "not-this-secret") {
		t.Errorf("current -v: exit %d, %q, %s; want %q", r.code, r.stdout, r.stderr, want)
	}
}
