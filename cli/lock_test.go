package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/pgtest"
)

// TestLeaseLock upgrades one PostgreSQL database from several concurrent
// runs that take the lease-table lock: every run succeeds and every
// revision runs once.
func TestLeaseLock(t *testing.T) {
	inTemp(t)
	quickstart(t)
	writeFile(t, "migrations/4d5e6f7a8b9c_count.sql", `-- migrate:revision 4d5e6f7a8b9c
-- migrate:down_revision 3c4d5e6f7a8b
-- migrate:message count runs
-- migrate:upgrade
CREATE TABLE IF NOT EXISTS ran (n integer);
INSERT INTO ran VALUES (1);
-- migrate:downgrade
DROP TABLE ran;
`)
	url := pgtest.URL(t)
	const runs = 4
	results := make([]result, runs)
	var wg sync.WaitGroup
	for i := range runs {
		wg.Go(func() {
			results[i] = run(t, nil, "--url", url, "--lock", "lease", "--log-level", "warn", "upgrade")
		})
	}
	wg.Wait()
	applied := 0
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		applied += len(appliedOf(t, r.stdout))
	}
	if applied != 4 {
		t.Errorf("%d revisions applied in all, want 4 (each once)", applied)
	}
	if !tableExists(t, url, "public.migrate_version_lock") {
		t.Error("no lease table")
	}
	execSQL(t, url, "DO $$ BEGIN IF (SELECT count(*) FROM ran) <> 1 THEN RAISE EXCEPTION 'ran % times', (SELECT count(*) FROM ran); END IF; END $$")

	// The config key selects it too.
	writeFile(t, "migrate.toml", "lock = \"lease\"\n")
	if r := run(t, nil, "--url", url, "--log-level", "debug", "downgrade", "-1"); r.code != 0 || !strings.Contains(r.stderr, `"lock":"lease"`) {
		t.Errorf("downgrade with lock = lease: exit %d: %s", r.code, r.stderr)
	}
}

func TestLockUsageErrors(t *testing.T) {
	inTemp(t)
	quickstart(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"lease on sqlite", []string{"--lock", "lease", "upgrade"}, cli.ExitUsage, "--lock lease needs a PostgreSQL URL"},
		{"unknown lock", []string{"--lock", "flock", "upgrade"}, cli.ExitUsage, `invalid lock "flock"`},
		{"config", []string{"--config", "bad.toml", "upgrade"}, cli.ExitFailure, `bad.toml:2: invalid lock "mutex"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, "bad.toml", "url = \"sqlite:x.db\"\nlock = \"mutex\"\n")
			r := run(t, nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d): %s (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
		})
	}
}

// TestLockTimeoutHint: a run that times out waiting for the migration lock
// says so from the typed error, not from the error's wording.
func TestLockTimeoutHint(t *testing.T) {
	inTemp(t)
	quickstart(t)
	path := filepath.Join(t.TempDir(), "app.db")
	p, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	unlock, err := p.Dialect().Lock(t.Context(), c, adapter.Ident{Name: "migrate_version"})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(t.Context())
	r := run(t, nil, "--url", "sqlite:"+path, "--timeout", "300ms", "upgrade")
	if r.code == 0 || !strings.Contains(r.stderr, "another migrate run holds the migration lock") {
		t.Errorf("upgrade while the lock is held: exit %d: %s", r.code, r.stderr)
	}
}

// A run that waits for the migration lock says so at the default log
// level, naming the holder and since when, and a run that gives up names
// the wait.
func TestLockWaitReportedAtDefaultLevel(t *testing.T) {
	inTemp(t)
	quickstart(t)
	url := pgtest.URL(t)
	ctx := t.Context()
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(context.WithoutCancel(ctx))
	key := postgres.LockKey(adapter.Ident{Schema: "public", Name: "migrate_version"})
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "--url", url, "--log-format", "json", "--timeout", "6500ms", "upgrade")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 after the timeout: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `"level":"warn"`) || !strings.Contains(r.stderr, "waiting for the migration lock") ||
		!strings.Contains(r.stderr, `"holder":"pid `) || !strings.Contains(r.stderr, `"since":"`) {
		t.Fatalf("no lock-wait warning with holder and since at the default level:\n%s", r.stderr)
	}
}
