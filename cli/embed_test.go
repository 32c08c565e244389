package cli_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/revgraph"
)

// TestEmbeddedScriptsAndGoRevisions runs the CLI as a program that embeds
// its scripts and registers a Go revision would.
func TestEmbeddedScriptsAndGoRevisions(t *testing.T) {
	inTemp(t)
	scripts := fstest.MapFS{
		"db/revs/0001_base.sql": {Data: []byte("-- migrate:revision base_0001\n-- migrate:message base table\n\n-- migrate:upgrade\nCREATE TABLE t (id integer PRIMARY KEY);\n\n-- migrate:downgrade\nDROP TABLE t;\n")},
	}
	goRev := engine.GoRevision{
		Revision: revgraph.Revision{ID: "go_0002", Down: []string{"base_0001"}, Message: "seed rows from Go", Origin: "main.seedRows"},
		Up:       func(c engine.Conn) error { _, err := c.Exec("INSERT INTO t (id) VALUES (1)"); return err },
		Down:     func(c engine.Conn) error { _, err := c.Exec("DELETE FROM t"); return err },
	}
	opts := func(out, errb *strings.Builder) cli.Options {
		return cli.Options{Stdout: out, Stderr: errb, Scripts: scripts, GoRevisions: []engine.GoRevision{goRev}}
	}
	var out, errb strings.Builder
	code := cli.Main(t.Context(), []string{"--dir", "db/revs", "history"}, opts(&out, &errb))
	if code != 0 {
		t.Fatalf("history: exit %d: %s", code, errb.String())
	}
	want := "base_0001 -> go_0002 (head), seed rows from Go\n<base> -> base_0001, base table\n"
	if out.String() != want {
		t.Errorf("history = %q, want %q", out.String(), want)
	}
	out.Reset()
	code = cli.Main(t.Context(), []string{"--dir", "db/revs", "show", "go_0002"}, opts(&out, &errb))
	if code != 0 || !strings.Contains(out.String(), "Path: main.seedRows\n") {
		t.Errorf("show go_0002: exit %d, %q, %s", code, out.String(), errb.String())
	}
	out.Reset()
	code = cli.Main(t.Context(), []string{"--dir", "db/revs", "--url", "sqlite:embed.db", "upgrade"}, opts(&out, &errb))
	if code != 0 || !strings.Contains(out.String(), "upgraded 2 revisions") {
		t.Errorf("upgrade: exit %d, %q, %s", code, out.String(), errb.String())
	}
}
