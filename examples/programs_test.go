package examples_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/retort-sql/retort/internal/pgtest"
)

const (
	backfillRev = "d93e0b5a7c21"
	seedRev     = "e4a71f2c9b08"
)

// database is what the go-revisions test needs from either database.
type database interface {
	strings(sql string) []string
	tableExists(name string) bool
}

// TestGoRevisions drives the custom binary of examples/go-revisions through
// the reused command line: its SQL scripts and its Go data migration run on
// SQLite and on PostgreSQL, up, down and up again.
func TestGoRevisions(t *testing.T) {
	bin := build(t, "go-revisions")
	for _, tc := range []struct {
		name string
		open func(t *testing.T, dir string) (environ []string, db database)
	}{
		{"sqlite", func(t *testing.T, dir string) ([]string, database) {
			path := filepath.Join(dir, "app.db")
			return env("MIGRATE_URL=sqlite:" + path), openLite(t, path)
		}},
		{"postgres", func(t *testing.T, dir string) ([]string, database) {
			url := pgtest.URL(t)
			return env("MIGRATE_URL=" + url), openPG(t, url)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			environ, db := tc.open(t, dir)
			migrate := func(args ...string) string {
				t.Helper()
				return run(t, dir, environ, bin, append([]string{"--log-level", "disabled"}, args...)...)
			}

			hist := migrate("history")
			want := backfillRev + " -> " + seedRev + " (head), seed support account\n" +
				noteRev + " -> " + backfillRev + ", backfill account email_domain\n"
			if !strings.HasPrefix(hist, want) {
				t.Errorf("history starts with\n%s\nwant\n%s", hist, want)
			}

			// The schema first, then rows written the way an older
			// release would have written them, then the data migration.
			migrate("upgrade", noteRev)
			insertAccounts(t, db)
			out := migrate("upgrade")
			if !strings.Contains(out, "upgraded 2 revisions") {
				t.Errorf("upgrade output:\n%s", out)
			}
			wantDomains := []string{"0 example.com", "1 example.org", "2 mail.example.net"}
			if got := db.strings("SELECT id || ' ' || email_domain FROM account ORDER BY id"); !slices.Equal(got, wantDomains) {
				t.Errorf("accounts after the data migration = %q, want %q", got, wantDomains)
			}
			if got := db.strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{seedRev}) {
				t.Errorf("version rows = %v, want [%s]", got, seedRev)
			}
			migrate("check")

			// Down through both Go revisions and up again.
			migrate("downgrade", noteRev)
			if got := db.strings("SELECT id || ' ' || coalesce(email_domain, 'NULL') FROM account ORDER BY id"); !slices.Equal(got, []string{"1 NULL", "2 NULL"}) {
				t.Errorf("accounts after downgrade = %q", got)
			}
			migrate("upgrade", "head")
			if got := db.strings("SELECT id || ' ' || email_domain FROM account ORDER BY id"); !slices.Equal(got, wantDomains) {
				t.Errorf("accounts after the second upgrade = %q, want %q", got, wantDomains)
			}
			migrate("downgrade", "base")
			if db.tableExists("account") {
				t.Error("table account still exists after downgrade base")
			}
			if got := db.strings("SELECT version_num FROM migrate_version"); len(got) != 0 {
				t.Errorf("version rows after downgrade base = %v, want none", got)
			}
		})
	}
}

func insertAccounts(t *testing.T, db database) {
	t.Helper()
	switch d := db.(type) {
	case *liteDB:
		if err := d.conn.Exec("INSERT INTO account (id, email) VALUES (1, 'ada@Example.ORG'), (2, 'bob@mail.example.net')"); err != nil {
			t.Fatal(err)
		}
	case *pgDB:
		if _, err := d.conn.Exec(t.Context(), "INSERT INTO account (id, email) VALUES (1, 'ada@Example.ORG'), (2, 'bob@mail.example.net')"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMultitenant upgrades a fleet of SQLite tenants, then the same fleet
// plus PostgreSQL schemas, and checks every target.
func TestMultitenant(t *testing.T) {
	bin := build(t, "multitenant")
	dir := t.TempDir()

	out := run(t, dir, env(), bin, "-dir", "tenants", "-tenants", "3")
	for i := 1; i <= 3; i++ {
		line := fmt.Sprintf("sqlite:%s", filepath.Join("tenants", fmt.Sprintf("tenant_%d.db", i)))
		if !containsLine(out, line, "ok", "<base> -> "+noteRev, "2 applied") {
			t.Errorf("no summary line for %s in:\n%s", line, out)
		}
	}
	if !strings.Contains(out, "3 targets, 0 failed\n") {
		t.Errorf("summary:\n%s", out)
	}

	url := pgtest.URL(t)
	out = run(t, dir, env("DATABASE_URL="+url), bin, "-dir", "tenants", "-tenants", "4", "-concurrency", "3")
	if !strings.Contains(out, "8 targets, 0 failed\n") {
		t.Errorf("summary:\n%s", out)
	}
	if !containsLine(out, "sqlite:"+filepath.Join("tenants", "tenant_1.db"), "ok", noteRev+" -> "+noteRev, "0 applied") {
		t.Errorf("an up-to-date tenant should apply nothing:\n%s", out)
	}
	for i := 1; i <= 4; i++ {
		path := filepath.Join(dir, "tenants", fmt.Sprintf("tenant_%d.db", i))
		if got := openLite(t, path).strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{noteRev}) {
			t.Errorf("%s: version rows = %v", path, got)
		}
	}
	db := openPG(t, url)
	for i := 1; i <= 4; i++ {
		schema := fmt.Sprintf("tenant_%d", i)
		if !containsLine(out, "postgres schema "+schema, "ok", "<base> -> "+noteRev, "2 applied") {
			t.Errorf("no summary line for schema %s in:\n%s", schema, out)
		}
		for _, table := range []string{"account", "note"} {
			if !db.tableExists(schema + "." + table) {
				t.Errorf("table %s.%s missing", schema, table)
			}
		}
		if got := db.strings("SELECT version_num FROM " + schema + ".migrate_version"); !slices.Equal(got, []string{noteRev}) {
			t.Errorf("schema %s: version rows = %v", schema, got)
		}
	}
	if db.tableExists("public.account") {
		t.Error("a tenant's table leaked into the public schema")
	}
}

// containsLine reports whether some line of out holds every field, in
// order.
func containsLine(out string, fields ...string) bool {
	for line := range strings.SplitSeq(out, "\n") {
		rest, ok := line, true
		for _, f := range fields {
			i := strings.Index(rest, f)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(f):]
		}
		if ok {
			return true
		}
	}
	return false
}

// TestK8sManifests runs the args of the Job and of the init container, as
// written in examples/k8s-job, with the go-revisions binary as the image's
// entry point and MIGRATE_URL set as the Secret would set it.
func TestK8sManifests(t *testing.T) {
	bin := build(t, "go-revisions")
	url := pgtest.URL(t)
	for _, file := range []string{"job.yaml", "init-container.yaml"} {
		t.Run(file, func(t *testing.T) {
			manifest, err := os.ReadFile(filepath.Join("k8s-job", file))
			if err != nil {
				t.Fatal(err)
			}
			text := string(manifest)
			for _, want := range []string{"terminationGracePeriodSeconds:", "name: MIGRATE_URL", "secretKeyRef:"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %q", file, want)
				}
			}
			args := manifestArgs(t, text)
			out, err := runE(t.Context(), t.TempDir(), env("MIGRATE_URL="+url), bin, args...)
			if err != nil {
				t.Fatal(err)
			}
			// The Job and the init container run one after the other on
			// the same database: the second finds nothing to do.
			if !strings.Contains(out, "-> "+seedRev) && !strings.Contains(out, "nothing to upgrade: database is at "+seedRev) {
				t.Errorf("%s: output:\n%s", file, out)
			}
		})
	}
	if got := openPG(t, url).strings("SELECT version_num FROM migrate_version"); !slices.Equal(got, []string{seedRev}) {
		t.Errorf("version rows = %v, want [%s]", got, seedRev)
	}
}

// manifestArgs returns the container's args, written in the manifests as
// a flow sequence of double-quoted strings (which is also JSON).
func manifestArgs(t *testing.T, manifest string) []string {
	t.Helper()
	for line := range strings.SplitSeq(manifest, "\n") {
		s := strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(s, "args:"); ok {
			var args []string
			if err := json.Unmarshal([]byte(strings.TrimSpace(v)), &args); err != nil {
				t.Fatalf("args %s: %v", v, err)
			}
			return args
		}
	}
	t.Fatal("no args: line in the manifest")
	return nil
}

// TestK8sIndexedJob runs the args of examples/k8s-job/indexed-job.yaml as
// the Job's pods would: one process per completion index, all at once,
// JOB_COMPLETION_INDEX set in each, over a targets file of 20 schemas. Every
// target is in exactly one shard's report and ends at head; a retried
// index finds nothing to do.
func TestK8sIndexedJob(t *testing.T) {
	manifest, err := os.ReadFile(filepath.Join("k8s-job", "indexed-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(manifest)
	for _, want := range []string{"completionMode: Indexed", "completions: 4", "parallelism: 4", "backoffLimitPerIndex:", "auto/4"} {
		if !strings.Contains(text, want) {
			t.Errorf("indexed-job.yaml lacks %q", want)
		}
	}
	args := manifestArgs(t, text)
	bin := build(t, "go-revisions")
	url := pgtest.URL(t)
	work := t.TempDir()
	if err := os.MkdirAll(filepath.Join(work, "tenants"), 0o755); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 20 {
		lines = append(lines, url+"&search_path="+fmt.Sprintf("tenant_%02d", i))
	}
	if err := os.WriteFile(filepath.Join(work, "tenants", "targets.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type line struct {
		Target  string `json:"target"`
		Status  string `json:"status"`
		Applied int    `json:"applied"`
		Summary *struct {
			Targets int `json:"targets"`
		} `json:"summary"`
	}
	pod := func(ctx context.Context, index int) ([]line, error) {
		out, err := runE(ctx, work, env(fmt.Sprintf("JOB_COMPLETION_INDEX=%d", index)), bin, args...)
		if err != nil {
			return nil, err
		}
		var got []line
		for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			var v line
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				return nil, fmt.Errorf("index %d: %q: %w", index, l, err)
			}
			got = append(got, v)
		}
		return got, nil
	}
	outs := make([][]line, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { outs[i], errs[i] = pod(t.Context(), i) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	owner := map[string]int{}
	for i, out := range outs {
		if len(out) == 0 || out[len(out)-1].Summary == nil || out[len(out)-1].Summary.Targets != len(out)-1 {
			t.Fatalf("index %d: no summary line last: %+v", i, out)
		}
		for _, l := range out[:len(out)-1] {
			if prev, dup := owner[l.Target]; dup {
				t.Errorf("%s is in shards %d and %d", l.Target, prev, i)
			}
			owner[l.Target] = i
			if l.Status != "ok" || l.Applied == 0 {
				t.Errorf("index %d: %+v", i, l)
			}
		}
	}
	if len(owner) != 20 {
		t.Fatalf("%d targets reported, want 20", len(owner))
	}
	db := openPG(t, url)
	for i := range 20 {
		got := db.strings(fmt.Sprintf("SELECT version_num FROM tenant_%02d.migrate_version", i))
		if !slices.Equal(got, []string{seedRev}) {
			t.Errorf("tenant_%02d is at %v, want %s", i, got, seedRev)
		}
	}
	// A retry of index 2 (backoffLimitPerIndex) finds its targets at head.
	again, err := pod(t.Context(), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range again[:len(again)-1] {
		if owner[l.Target] != 2 || l.Applied != 0 {
			t.Errorf("retry of index 2: %+v", l)
		}
	}
}
