package cli_test

import (
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
)

// A dead URL of a targets file is hinted at by its file and line, not by
// where a single URL would come from; a line too long to read is an error
// naming file:line.
func TestTargetsFileNamesLines(t *testing.T) {
	inTemp(t)
	quickstart(t)
	writeFile(t, "targets.txt", "# fleet\nsqlite:ok.db\npostgres://app@127.0.0.1:1/app?connect_timeout=2\n")
	r := run(t, nil, "upgrade", "--targets", "targets.txt", "--continue-on-error", "--json")
	if r.code != cli.ExitFailure {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rows := fleetJSON(t, r)
	if len(rows) != 2 || !strings.Contains(rows[1].Error, "the URL comes from targets.txt:3") ||
		strings.Contains(rows[1].Error, "comes from default") {
		t.Fatalf("rows %+v; want the dead URL's hint to name targets.txt:3", rows)
	}

	writeFile(t, "long.txt", "sqlite:ok.db\n"+"sqlite:"+strings.Repeat("x", 70000)+".db\n")
	r = run(t, nil, "upgrade", "--targets", "long.txt")
	if r.code == 0 || !strings.Contains(r.stderr, "long.txt:2: line longer than") {
		t.Fatalf("exit %d, stderr %q; want an error naming long.txt:2", r.code, r.stderr)
	}
}
