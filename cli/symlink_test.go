package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigMapScripts runs upgrade and check on a script directory laid
// out as a Kubernetes ConfigMap volume: every script is a link through
// ..data to a timestamped folder. Each revision is applied once.
func TestConfigMapScripts(t *testing.T) {
	dir := inTemp(t)
	ts := "..2026_12_02_10_00_00.123456789"
	scripts := map[string]string{
		"s1.sql": "-- migrate:revision s1\n\n-- migrate:upgrade\nCREATE TABLE t1 (id int);\n\n-- migrate:downgrade\nDROP TABLE t1;\n",
		"s2.sql": "-- migrate:revision s2\n-- migrate:down_revision s1\n\n-- migrate:upgrade\nCREATE TABLE t2 (id int);\n\n-- migrate:downgrade\nDROP TABLE t2;\n",
	}
	for name, body := range scripts {
		writeFile(t, filepath.Join(dir, "migrations", ts, name), body)
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, "migrations", name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(ts, filepath.Join(dir, "migrations", "..data")); err != nil {
		t.Fatal(err)
	}
	e := env{}
	if r := run(t, e, "check"); r.code != 1 || !strings.Contains(r.stderr, "2 pending (s1, s2)") {
		t.Fatalf("check before upgrade: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := run(t, e, "upgrade")
	if r.code != 0 || !strings.Contains(r.stdout, "upgraded 2 revisions") || !strings.Contains(r.stdout, "-> s2") {
		t.Fatalf("upgrade: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, e, "check"); r.code != 0 {
		t.Fatalf("check after upgrade: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestUpgradeNoRevisions: upgrade on a script directory with no revision
// at all fails and says so, rather than reporting "nothing to upgrade".
func TestUpgradeNoRevisions(t *testing.T) {
	dir := inTemp(t)
	if err := os.Mkdir(filepath.Join(dir, "migrations"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := run(t, env{}, "upgrade")
	if r.code != 1 || !strings.Contains(r.stderr, "hold no revision") || !strings.Contains(r.stderr, "migrations") {
		t.Fatalf("code %d, stdout %q, stderr %q; want a failure saying the directory holds no revision", r.code, r.stdout, r.stderr)
	}
}

// A broken link named *.sql is an error naming it, never skipped.
func TestBrokenScriptLink(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, filepath.Join(dir, "migrations", "a.sql"), "-- migrate:revision a\n\n-- migrate:upgrade\nSELECT 1;\n")
	if err := os.Symlink("gone.sql", filepath.Join(dir, "migrations", "b.sql")); err != nil {
		t.Fatal(err)
	}
	r := run(t, env{}, "upgrade")
	if r.code != 1 || !strings.Contains(r.stderr, "b.sql") {
		t.Fatalf("code %d, stderr %q; want an error naming b.sql", r.code, r.stderr)
	}
}
