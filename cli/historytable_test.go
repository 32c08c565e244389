package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// Two script sets with their own version tables upgrade one SQLite
// database in turn (the second is not refused for the first's revisions),
// and --history-table names a history table explicitly.
func TestHistoryTablePerVersionTable(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, filepath.Join(dir, "a", "a1.sql"), "-- migrate:revision aaa1\n\n-- migrate:upgrade\nCREATE TABLE a_t (id int);\n\n-- migrate:downgrade\nDROP TABLE a_t;\n")
	writeFile(t, filepath.Join(dir, "b", "b1.sql"), "-- migrate:revision bbb1\n\n-- migrate:upgrade\nCREATE TABLE b_t (id int);\n\n-- migrate:downgrade\nDROP TABLE b_t;\n")
	e := env{}
	url := "sqlite:" + filepath.Join(dir, "app.db")
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"--dir", "a", "--version-table", "app_version", "upgrade"}, "-> aaa1"},
		{[]string{"--dir", "b", "--version-table", "billing_version", "upgrade"}, "-> bbb1"},
		{[]string{"--dir", "a", "--version-table", "app_version", "history", "--applied"}, "aaa1"},
		{[]string{"--dir", "b", "--version-table", "billing_version", "downgrade", "base"}, "-> <base>"},
		{[]string{"--dir", "a", "--version-table", "app_version", "downgrade", "base"}, "-> <base>"},
		{[]string{"--dir", "b", "--version-table", "ops_version", "--history-table", "ops_log", "upgrade"}, "-> bbb1"},
	}
	for _, s := range steps {
		r := run(t, e, append([]string{"--url", url}, s.args...)...)
		if r.code != 0 || !strings.Contains(r.stdout, s.want) {
			t.Fatalf("%v: code %d, stdout %q, stderr %q; want %q", s.args, r.code, r.stdout, r.stderr, s.want)
		}
		if strings.Contains(s.args[len(s.args)-1], "applied") && strings.Contains(r.stdout, "bbb1") {
			t.Fatalf("app_version's history shows billing's revision:\n%s", r.stdout)
		}
	}
	r := run(t, e, "--url", url, "--dir", "b", "--version-table", "ops_version", "--history-table", "ops_log", "history", "--applied")
	if r.code != 0 || !strings.Contains(r.stdout, "bbb1") {
		t.Fatalf("history --applied from ops_log: code %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// The history_table key names the history table as --history-table does.
func TestHistoryTableConfigKey(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, filepath.Join(dir, "migrations", "a1.sql"), "-- migrate:revision aaa1\n\n-- migrate:upgrade\nCREATE TABLE a_t (id int);\n")
	writeFile(t, filepath.Join(dir, "migrate.toml"), "url = \"sqlite:cfg.db\"\nversion_table = \"app_version\"\nhistory_table = \"app_audit\"\n")
	if r := run(t, env{}, "upgrade"); r.code != 0 {
		t.Fatalf("upgrade: %d %s", r.code, r.stderr)
	}
	r := run(t, env{}, "--history-table", "app_history", "history", "--applied")
	if r.code != 0 || strings.Contains(r.stdout, "aaa1") {
		t.Fatalf("app_history should be empty: code %d, %q", r.code, r.stdout)
	}
	if r := run(t, env{}, "history", "--applied"); r.code != 0 || !strings.Contains(r.stdout, "aaa1") {
		t.Fatalf("history from app_audit: code %d, %q %q", r.code, r.stdout, r.stderr)
	}
}
