package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retort-sql/retort/importer"
	"github.com/retort-sql/retort/script"
)

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestGooseErrors checks that every malformed goose file is reported at
// its line, all at once, and that nothing is returned.
func TestGooseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"no up", "CREATE TABLE t (id int);\n", "00001_x.sql:1: SQL before -- +goose Up"},
		{"empty", "-- just a comment\n", "00001_x.sql:1: no -- +goose Up annotation"},
		{"down first", "-- +goose Down\nDROP TABLE t;\n", "00001_x.sql:1: +goose Down before +goose Up"},
		{"two ups", "-- +goose Up\nSELECT 1;\n-- +goose Up\n", "00001_x.sql:3: second +goose Up (first at line 1)"},
		{"no semicolon", "-- +goose Up\nCREATE TABLE t (id int)\n-- +goose Down\nDROP TABLE t;\n", "00001_x.sql:2: statement does not end with a semicolon"},
		{"unended block", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "00001_x.sql:3: +goose StatementBegin without StatementEnd"},
		{"stray end", "-- +goose Up\n-- +goose StatementEnd\n", "00001_x.sql:2: +goose StatementEnd without StatementBegin"},
		{"unknown", "-- +goose Up\n-- +goose Sideways\n", `00001_x.sql:2: unknown goose annotation "+goose sideways"`},
		{"split differs", "-- +goose Up\n-- +goose StatementBegin\nSELECT 'a'; SELECT 'b';\n-- +goose StatementEnd\n", "00001_x.sql:3: Retort splits this statement differently from goose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"00001_x.sql": tc.body, "00002_ok.sql": "-- +goose Up\nSELECT 1;\n"})
			r, err := importer.Goose(dir)
			if err == nil || r != nil {
				t.Fatalf("no error; result %v", r)
			}
			var pe *importer.ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q (%T), want %q", err, err, tc.want)
			}
		})
	}
	dir := writeDir(t, map[string]string{"00001_a.sql": "x", "1_b.sql": "-- +goose Up\n", "abc.sql": ""})
	_, err := importer.Goose(dir)
	if err == nil || !strings.Contains(err.Error(), "version 1 is also") || !strings.Contains(err.Error(), "abc.sql: not a goose migration name") {
		t.Fatalf("error %v", err)
	}
}

// TestGooseStatements checks what a goose file becomes: comments between
// statements, blocks kept whole, a missing Down as an empty downgrade.
func TestGooseStatements(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"20240102150405_fn.sql": `-- +goose Up
-- a comment before
CREATE TABLE t (
    id int, -- trailing; comment
    name text
);
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    RETURN 1;
END;
$$;
-- +goose StatementEnd
`,
	})
	r, err := importer.Goose(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Files[0]
	if f.Name != "20240102150405_fn.sql" || f.Revision.ID != "20240102150405" || f.Revision.Message != "fn" {
		t.Fatalf("file %q revision %+v", f.Name, f.Revision)
	}
	sf, err := script.Parse(f.Name, f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sf.Upgrade.Statements); n != 2 || !strings.HasSuffix(sf.Upgrade.Statements[1].SQL, "$$") {
		t.Fatalf("%d statements:\n%s", n, f.Data)
	}
	if sf.Downgrade == nil || len(sf.Downgrade.Statements) != 0 {
		t.Fatalf("downgrade %+v, want an empty section (goose runs nothing)", sf.Downgrade)
	}
}

// TestGolangMigrateErrors checks the whole-folder checks of the
// golang-migrate reader.
func TestGolangMigrateErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"down without up", map[string]string{"1_a.up.sql": "", "2_b.down.sql": "DROP TABLE b;"}, "2_b.down.sql: version 2 has a down file but no up file"},
		{"second up", map[string]string{"1_a.up.sql": "", "1_b.up.sql": ""}, "has a second up file"},
		{"not sql", map[string]string{"1_a.up.json": "{}"}, "a .json migration"},
		{"bad name", map[string]string{"init.sql": ""}, "init.sql: not a golang-migrate migration name"},
		{"unterminated", map[string]string{"1_a.up.sql": "SELECT 'oops;\n"}, "1_a.up.sql:"},
		{"empty", map[string]string{"README.md": "x"}, "holds no golang-migrate migration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importer.GolangMigrate(writeDir(t, tc.files))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestWriteRefusesEarlierImport checks that nothing is overwritten without
// force, and that a revision already held under another name is refused
// even with force.
func TestWriteRefusesEarlierImport(t *testing.T) {
	src := writeDir(t, map[string]string{"1_a.up.sql": "CREATE TABLE a (id int);", "2_b.up.sql": "CREATE TABLE b (id int);"})
	r, err := importer.GolangMigrate(src)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := importer.Write(out, r, false); err != nil {
		t.Fatal(err)
	}
	if err := importer.Write(out, r, false); !errors.Is(err, importer.ErrAlreadyImported) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second write: %v", err)
	}
	if err := importer.Write(out, r, true); err != nil {
		t.Fatalf("forced write: %v", err)
	}
	if err := os.Rename(filepath.Join(out, "2_b.sql"), filepath.Join(out, "renamed.sql")); err != nil {
		t.Fatal(err)
	}
	if err := importer.Write(out, r, true); !errors.Is(err, importer.ErrAlreadyImported) || !strings.Contains(err.Error(), "renamed.sql already declares revision 2") {
		t.Fatalf("write over a renamed import: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "2_b.sql")); err == nil {
		t.Fatal("2_b.sql was written next to renamed.sql")
	}
}

// TestNothingWrittenOnParseError runs the CLI-level promise at the API:
// one bad file among good ones yields no Result, so Write never runs.
func TestNothingWrittenOnParseError(t *testing.T) {
	src := writeDir(t, map[string]string{
		"00001_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n",
		"00002_b.sql": "-- +goose Up\nCREATE TABLE b (id int)\n",
	})
	if r, err := importer.Goose(src); err == nil || r != nil {
		t.Fatalf("Goose = %v, %v", r, err)
	}
}
