package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// writeFailingChain writes r001…r00n, the last of which fails.
func writeFailingChain(t *testing.T, dir string, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		down := ""
		if i > 1 {
			down = fmt.Sprintf("-- migrate:down_revision r%03d\n", i-1)
		}
		up := fmt.Sprintf("CREATE TABLE t%d (id int);", i)
		if i == n {
			up = "INSERT INTO no_such_table VALUES (1);"
		}
		writeFile(t, filepath.Join(dir, "migrations", fmt.Sprintf("r%03d.sql", i)),
			fmt.Sprintf("-- migrate:revision r%03d\n%s\n-- migrate:upgrade\n%s\n\n-- migrate:downgrade\n", i, down, up))
	}
}

// In per-revision mode a failure says what was committed before it, on
// stdout and in --json, besides the error naming the failing revision.
func TestFailureReportsCommitted(t *testing.T) {
	dir := inTemp(t)
	writeFailingChain(t, dir, 7)
	r := run(t, env{}, "--url", "sqlite:text.db", "--tx-mode", "revision", "upgrade")
	if r.code != 1 || !strings.Contains(r.stderr, "r007") {
		t.Fatalf("code %d, stderr %q; want a failure naming r007", r.code, r.stderr)
	}
	for i := 1; i <= 6; i++ {
		if !strings.Contains(r.stdout, fmt.Sprintf("upgrade   r%03d", i)) {
			t.Errorf("stdout does not list committed r%03d:\n%s", i, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "upgrade failed after 6 revisions committed: <base> -> r006") {
		t.Errorf("stdout does not sum up what stayed committed:\n%s", r.stdout)
	}

	r = run(t, env{}, "--url", "sqlite:json.db", "--tx-mode", "revision", "upgrade", "--json")
	if r.code != 1 {
		t.Fatalf("--json: code %d, stderr %q", r.code, r.stderr)
	}
	var rows []struct {
		Status    string   `json:"status"`
		To        []string `json:"to"`
		Applied   int      `json:"applied"`
		Revisions []string `json:"revisions"`
		Error     string   `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r.stdout)
	}
	if len(rows) != 1 || rows[0].Status != "failed" || rows[0].Applied != 6 || len(rows[0].Revisions) != 6 ||
		strings.Join(rows[0].To, ",") != "r006" || !strings.Contains(rows[0].Error, "r007") {
		t.Fatalf("--json = %+v; want one failed row with r001…r006 committed, at r006, naming r007", rows)
	}

	// In per-run mode nothing was committed, and stdout says nothing.
	r = run(t, env{}, "--url", "sqlite:run.db", "upgrade")
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("per-run failure: code %d, stdout %q", r.code, r.stdout)
	}
}
