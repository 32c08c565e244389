package engine_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/pgtest"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/script"
)

// replay says how one splitter golden file (script/testdata/split) runs as
// a migration: the setup each dialect needs first (its presence means the
// file is valid SQL there), or why no database accepts it.
type replay struct {
	setup  map[string]string // dialect -> statements run by a revision before the golden one
	reason string            // why the file is replayed on no dialect
}

const noSetup = ""

var replays = map[string]replay{
	"01_simple":         {setup: map[string]string{"postgres": noSetup, "sqlite": noSetup}},
	"02_single_quotes":  {setup: map[string]string{"postgres": "CREATE TABLE t (a text, b text, c text);"}},
	"03_e_strings":      {reason: "PostgreSQL reserves the unquoted table name tablE, and SQLite has no E'…' strings"},
	"04_identifiers":    {setup: map[string]string{"sqlite": `CREATE TABLE t (x int, "" int);`}},
	"05_dollar_quotes":  {setup: map[string]string{"postgres": "CREATE TABLE t (a text, b int, foo$bar int);"}},
	"06_line_comments":  {setup: map[string]string{"postgres": noSetup, "sqlite": noSetup}},
	"07_block_comments": {setup: map[string]string{"postgres": noSetup}}, // SQLite does not nest comments
	"08_sqlite_trigger": {setup: map[string]string{"sqlite": `CREATE TABLE t (id int, n int, x int, "end" int);`}},
	"09_begin_atomic":   {setup: map[string]string{"postgres": "CREATE TABLE t (x int);"}},
	// Its COMMIT ends the run's transaction: SQLite refuses the BEGIN
	// inside it, PostgreSQL warns and then commits.
	"10_transactions": {setup: map[string]string{"postgres": noSetup}},
	"11_parens":       {reason: "SELECT 1); is a syntax error everywhere (the splitter's stray-parenthesis case)"},
	"12_empty":        {setup: map[string]string{"postgres": noSetup, "sqlite": noSetup}},
	"19_unicode":      {setup: map[string]string{"postgres": `CREATE TABLE t ("été$$" int);`, "sqlite": `CREATE TABLE t ("été$$" int);`}},
	"20_postgres_trigger": {setup: map[string]string{"postgres": `CREATE TABLE t (id int);
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE FUNCTION check_t() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;`}},
	"21_comment_before_terminator": {setup: map[string]string{"postgres": noSetup, "sqlite": noSetup}},
}

// replayScripts is a two-revision script set: s0 runs setup, g1 runs body.
func replayScripts(setup, body string) fstest.MapFS {
	return fstest.MapFS{
		"s0_setup.sql":  {Data: []byte("-- migrate:revision s0\n\n-- migrate:upgrade\n" + setup + "\n")},
		"g1_golden.sql": {Data: []byte("-- migrate:revision g1\n-- migrate:down_revision s0\n\n-- migrate:upgrade\n" + body + "\n")},
	}
}

// TestOfflineReplaysSplitGoldens renders every splitter golden file as an
// offline upgrade, replays the script through the database's own client
// (psql, sqlite3), and compares the number of statements the client ran and
// the resulting schema with an online upgrade of the same scripts.
func TestOfflineReplaysSplitGoldens(t *testing.T) {
	for _, tool := range []string{"psql", "pg_dump", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to replay offline scripts: %v", tool, err)
		}
	}
	inputs, err := filepath.Glob(filepath.Join("..", "script", "testdata", "split", "*.sql"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no splitter golden files: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".sql")
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		body := string(data)
		stmts, splitErr := script.Split(body, 1)
		t.Run(name, func(t *testing.T) {
			if splitErr != nil {
				// All or nothing: a script set that does not split is
				// refused before a byte of SQL is written.
				var out bytes.Buffer
				e, err := dbopen.Engine(t.Context(), engine.Config{Dialect: "postgres", Scripts: replayScripts("", body), Offline: &out})
				if err == nil {
					_, err = e.Upgrade(t.Context(), "heads")
					_ = e.Close()
				}
				if !errors.Is(err, script.ErrUnterminated) || out.Len() != 0 {
					t.Fatalf("offline upgrade of an unsplittable script: err %v, wrote %d bytes", err, out.Len())
				}
				return
			}
			rp, ok := replays[name]
			if !ok {
				t.Fatalf("%s: add it to replays (the setup each dialect needs, or why none accepts it)", in)
			}
			if len(rp.setup) == 0 {
				if rp.reason == "" {
					t.Fatal("a golden file replayed on no dialect needs a reason")
				}
				return
			}
			for _, dialect := range []string{"postgres", "sqlite"} {
				setup, ok := rp.setup[dialect]
				if !ok {
					continue
				}
				t.Run(dialect, func(t *testing.T) {
					// The bookkeeping statements of the same run with an
					// empty golden revision: what the client runs besides
					// the file's own statements.
					base := replayCount(t, dialect, renderOffline(t, dialect, replayScripts(setup, "")))
					script := renderOffline(t, dialect, replayScripts(setup, body))
					offDB := newReplayDB(t, dialect)
					if got, want := offDB.run(t, script), base+len(stmts); got != want {
						t.Errorf("%s ran %d statements of the offline script, want %d (%d of the file's own):\n%s",
							offDB.tool, got, want, len(stmts), script)
					}
					onDB := newReplayDB(t, dialect)
					e, err := dbopen.Engine(t.Context(), engine.Config{URL: onDB.url, Scripts: replayScripts(setup, body)})
					if err != nil {
						t.Fatal(err)
					}
					defer e.Close()
					if _, err := e.Upgrade(t.Context(), "heads"); err != nil {
						t.Fatalf("online upgrade: %v", err)
					}
					if off, on := offDB.schema(t), onDB.schema(t); off != on {
						t.Errorf("schema after the offline script differs from the online upgrade\n--- offline\n%s\n--- online\n%s", off, on)
					}
				})
			}
		})
	}
}

func renderOffline(t *testing.T, dialect string, fsys fstest.MapFS) string {
	t.Helper()
	var out bytes.Buffer
	e, err := dbopen.Engine(t.Context(), engine.Config{Dialect: dialect, Scripts: fsys, Offline: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Upgrade(t.Context(), "heads"); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// replayCount runs sql on a fresh database and returns the statements the
// client ran.
func replayCount(t *testing.T, dialect, sql string) int {
	t.Helper()
	return newReplayDB(t, dialect).run(t, sql)
}

// replayDB is a fresh database reached through its command-line client.
type replayDB struct {
	dialect, tool string
	url           string // for the engine
	target        string // for the client: a PostgreSQL URL or a SQLite path
}

func newReplayDB(t *testing.T, dialect string) *replayDB {
	t.Helper()
	if dialect == "postgres" {
		u := pgtest.URL(t)
		return &replayDB{dialect: dialect, tool: "psql", url: u, target: u}
	}
	path := filepath.Join(t.TempDir(), "replay.db")
	return &replayDB{dialect: dialect, tool: "sqlite3", url: "sqlite:" + path, target: path}
}

// run feeds sql to the client, stopping at the first error, and counts the
// statements it ran from its per-statement timing lines.
func (db *replayDB) run(t *testing.T, sql string) int {
	t.Helper()
	var cmd *exec.Cmd
	marker := "Run Time: "
	if db.dialect == "postgres" {
		cmd = exec.CommandContext(t.Context(), "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", os.DevNull, "-c", `\timing on`, "-f", "-", db.target)
		marker = "Time: "
	} else {
		cmd = exec.CommandContext(t.Context(), "sqlite3", "-bail", "-cmd", ".timer on", db.target)
	}
	cmd.Stdin = strings.NewReader(sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s\nscript:\n%s", db.tool, err, stderr.String(), sql)
	}
	n := 0
	for l := range strings.SplitSeq(stdout.String(), "\n") {
		if strings.HasPrefix(l, marker) {
			n++
		}
	}
	return n
}

// schema returns the database's schema as its own dump tool prints it.
func (db *replayDB) schema(t *testing.T) string {
	t.Helper()
	var cmd *exec.Cmd
	if db.dialect == "postgres" {
		cmd = exec.CommandContext(t.Context(), "pg_dump", "--schema-only", "--no-owner", "--no-privileges", db.target)
	} else {
		cmd = exec.CommandContext(t.Context(), "sqlite3", db.target, ".schema")
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd.Args[0], err)
	}
	var keep []string
	for l := range strings.SplitSeq(string(out), "\n") {
		// pg_dump's comments, and the random key of its \restrict guard.
		if strings.HasPrefix(l, "--") || strings.HasPrefix(l, `\restrict`) || strings.HasPrefix(l, `\unrestrict`) {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
