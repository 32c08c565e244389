package script_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

const full = `-- migrate:revision 1975ea83b712
-- migrate:down_revision ae1027a6acf0, 27c6a30d7c24
-- migrate:branch_labels billing
-- migrate:depends_on 55af2cb1c267
-- migrate:message add invoice table
-- migrate:create_date 2026-11-23T10:00:00Z

-- migrate:upgrade
CREATE TABLE invoice (id bigint PRIMARY KEY);
CREATE INDEX invoice_id ON invoice (id);

-- migrate:downgrade transaction=false
DROP TABLE invoice;
`

func TestParse(t *testing.T) {
	f, err := script.Parse("migrations/1975ea83b712.sql", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	wantRev := revgraph.Revision{
		ID:           "1975ea83b712",
		Down:         []string{"ae1027a6acf0", "27c6a30d7c24"},
		BranchLabels: []string{"billing"},
		DependsOn:    []string{"55af2cb1c267"},
		Message:      "add invoice table",
		Origin:       "migrations/1975ea83b712.sql",
	}
	if !reflect.DeepEqual(f.Revision, wantRev) {
		t.Errorf("Revision = %+v, want %+v", f.Revision, wantRev)
	}
	if f.Path != "migrations/1975ea83b712.sql" || f.CreateDate != "2026-11-23T10:00:00Z" {
		t.Errorf("Path, CreateDate = %q, %q", f.Path, f.CreateDate)
	}
	wantUp := []script.Statement{
		{SQL: "CREATE TABLE invoice (id bigint PRIMARY KEY)", Line: 9},
		{SQL: "CREATE INDEX invoice_id ON invoice (id)", Line: 10},
	}
	if f.Upgrade.Line != 8 || f.Upgrade.NoTx || !reflect.DeepEqual(f.Upgrade.Statements, wantUp) {
		t.Errorf("Upgrade = %+v", f.Upgrade)
	}
	wantDown := []script.Statement{{SQL: "DROP TABLE invoice", Line: 13}}
	if f.Downgrade == nil || f.Downgrade.Line != 12 || !f.Downgrade.NoTx || !reflect.DeepEqual(f.Downgrade.Statements, wantDown) {
		t.Errorf("Downgrade = %+v", f.Downgrade)
	}
	if len(f.Upgrade.Checksum) != 64 || f.Upgrade.Checksum == f.Downgrade.Checksum {
		t.Errorf("checksums %q, %q", f.Upgrade.Checksum, f.Downgrade.Checksum)
	}
}

func TestParseSections(t *testing.T) {
	tests := []struct {
		name         string
		text         string
		wantDown     bool // a downgrade section exists
		downStmts    int
		upNoTx       bool
		wantDownRevs []string
	}{
		{"irreversible", "-- migrate:revision a\n-- migrate:upgrade\nSELECT 1;\n", false, 0, false, nil},
		{"empty downgrade is a no-op", "-- migrate:revision a\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n", true, 0, false, nil},
		{"downgrade of comments only", "-- migrate:revision a\n-- migrate:upgrade\n-- migrate:downgrade\n-- nothing to undo\n", true, 0, false, nil},
		{"downgrade first", "-- migrate:revision a\n-- migrate:downgrade\nSELECT 2;\n-- migrate:upgrade\nSELECT 1;\n", true, 1, false, nil},
		{"transaction=false", "-- migrate:revision a\n-- migrate:upgrade transaction=false\nCREATE INDEX CONCURRENTLY i ON t (x);\n", false, 0, true, nil},
		{"transaction=true", "-- migrate:revision a\n-- migrate:upgrade  transaction=true\n", false, 0, false, nil},
		{"empty down_revision is a base", "-- migrate:revision a\n-- migrate:down_revision\n-- migrate:upgrade\n", false, 0, false, nil},
		{"merge", "-- migrate:revision a\n-- migrate:down_revision b,c ,  d\n-- migrate:upgrade\n", false, 0, false, []string{"b", "c", "d"}},
		{"comments and blanks in the header", "-- a file comment\n\n-- migrate:revision a\n--   another\n\t\n--migrate:down_revision b\n-- migrate:upgrade\n", false, 0, false, []string{"b"}},
		{"crlf and bom", "\uFEFF-- migrate:revision a\r\n-- migrate:upgrade\r\nSELECT 1;\r\n", false, 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := script.Parse("x.sql", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if f.Revision.ID != "a" || f.Upgrade == nil {
				t.Fatalf("got %+v", f)
			}
			if (f.Downgrade != nil) != tt.wantDown {
				t.Fatalf("Downgrade = %+v, want present=%v", f.Downgrade, tt.wantDown)
			}
			if f.Downgrade != nil && len(f.Downgrade.Statements) != tt.downStmts {
				t.Errorf("downgrade statements = %+v", f.Downgrade.Statements)
			}
			if f.Upgrade.NoTx != tt.upNoTx {
				t.Errorf("Upgrade.NoTx = %v", f.Upgrade.NoTx)
			}
			if !reflect.DeepEqual(f.Revision.Down, tt.wantDownRevs) {
				t.Errorf("Down = %#v, want %#v", f.Revision.Down, tt.wantDownRevs)
			}
			for _, s := range f.Upgrade.Statements {
				if strings.ContainsRune(s.SQL, '\r') {
					t.Errorf("statement keeps a CR: %q", s.SQL)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const hdr = "-- migrate:revision a\n"
	tests := []struct {
		name string
		text string
		want string
		is   error
	}{
		{"empty file", "", "m/x.sql:1: empty file: want a -- migrate:revision header and a -- migrate:upgrade section", script.ErrEmpty},
		{"blank file", "\n  \n\t\n", "m/x.sql:1: empty file: want a -- migrate:revision header and a -- migrate:upgrade section", script.ErrEmpty},
		{"unknown directive", hdr + "-- migrate:down_revisions b\n-- migrate:upgrade\n",
			`m/x.sql:2: unknown directive "-- migrate:down_revisions": want revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade`, script.ErrUnknownDirective},
		{"unknown directive in a section", hdr + "-- migrate:upgrade\nSELECT 1;\n-- migrate:downgarde\n",
			`m/x.sql:4: unknown directive "-- migrate:downgarde": want revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade`, script.ErrUnknownDirective},
		{"bare prefix", hdr + "-- migrate: note\n-- migrate:upgrade\n",
			`m/x.sql:2: unknown directive "-- migrate:": want revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade`, script.ErrUnknownDirective},
		{"missing revision", "-- migrate:message hello\n", "m/x.sql:1: missing -- migrate:revision directive", script.ErrMissingRevision},
		{"missing revision before a section", "-- migrate:message hello\n\n-- migrate:upgrade\nSELECT 1;\n",
			"m/x.sql:3: missing -- migrate:revision directive before -- migrate:upgrade", script.ErrMissingRevision},
		{"section before header", "-- migrate:upgrade\nSELECT 1;\n-- migrate:revision a\n",
			"m/x.sql:1: -- migrate:upgrade before the header: start the file with -- migrate:revision ID", script.ErrMissingRevision},
		{"directive after a section", hdr + "\n-- migrate:upgrade\nSELECT 1;\n-- migrate:message late\n",
			"m/x.sql:5: -- migrate:message after a section: header directives must come before line 3", script.ErrSyntax},
		{"two upgrade sections", hdr + "-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n-- migrate:upgrade\n",
			"m/x.sql:5: second -- migrate:upgrade section (first at line 2)", script.ErrSyntax},
		{"two downgrade sections", hdr + "-- migrate:upgrade\n-- migrate:downgrade\n-- migrate:downgrade\n",
			"m/x.sql:4: second -- migrate:downgrade section (first at line 3)", script.ErrSyntax},
		{"missing upgrade", hdr + "-- migrate:downgrade\nSELECT 1;\n", "m/x.sql:3: missing -- migrate:upgrade section", script.ErrSyntax},
		{"header only", hdr + "-- migrate:message m\n", "m/x.sql:2: missing -- migrate:upgrade section", script.ErrSyntax},
		{"invalid id", "-- migrate:revision ab-c\n-- migrate:upgrade\n",
			`m/x.sql:1: invalid revision id "ab-c": use letters, digits and _`, script.ErrInvalidID},
		{"id with a space", "-- migrate:revision ab c\n-- migrate:upgrade\n",
			`m/x.sql:1: invalid revision id "ab c": use letters, digits and _`, script.ErrInvalidID},
		{"no id", "-- migrate:revision\n-- migrate:upgrade\n", "m/x.sql:1: -- migrate:revision needs an id", script.ErrInvalidID},
		{"invalid parent", hdr + "-- migrate:down_revision b, c@d\n-- migrate:upgrade\n",
			`m/x.sql:2: invalid revision id "c@d" in -- migrate:down_revision: use letters, digits and _`, script.ErrInvalidID},
		{"invalid label", hdr + "-- migrate:branch_labels a b\n-- migrate:upgrade\n",
			`m/x.sql:2: invalid branch label "a b" in -- migrate:branch_labels: use letters, digits, _ and .`, script.ErrInvalidID},
		{"invalid dependency", hdr + "-- migrate:depends_on x@head\n-- migrate:upgrade\n",
			`m/x.sql:2: invalid revision or label "x@head" in -- migrate:depends_on: use letters, digits, _ and .`, script.ErrInvalidID},
		{"empty list item", hdr + "-- migrate:down_revision b,,c\n-- migrate:upgrade\n",
			`m/x.sql:2: empty item in -- migrate:down_revision list "b,,c"`, script.ErrSyntax},
		{"duplicate directive", hdr + "-- migrate:message one\n-- migrate:message two\n-- migrate:upgrade\n",
			"m/x.sql:3: duplicate -- migrate:message (first at line 2)", script.ErrSyntax},
		{"duplicate revision", hdr + "-- migrate:revision b\n-- migrate:upgrade\n",
			"m/x.sql:2: duplicate -- migrate:revision (first at line 1)", script.ErrSyntax},
		{"unknown option", hdr + "-- migrate:upgrade transaction=no\n",
			`m/x.sql:2: unknown option "transaction=no" on -- migrate:upgrade: want transaction=false or transaction=true`, script.ErrUnknownDirective},
		{"duplicate option", hdr + "-- migrate:upgrade transaction=false transaction=true\n",
			`m/x.sql:2: duplicate option "transaction=true" on -- migrate:upgrade`, script.ErrSyntax},
		{"sql in the header", hdr + "CREATE TABLE t (id int);\n-- migrate:upgrade\n",
			"m/x.sql:2: unexpected text before the first section: want -- migrate: directives, comments or blank lines", script.ErrSyntax},
		{"unterminated quote", hdr + "-- migrate:upgrade\nSELECT 1;\nSELECT 'abc;\n\n-- migrate:downgrade\nSELECT 2;\n",
			"m/x.sql:4: unterminated string", script.ErrUnterminated},
		{"unterminated dollar body", hdr + "-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\nDO $do$ BEGIN\nEND $$;\n",
			"m/x.sql:5: unterminated dollar-quoted body $do$", script.ErrUnterminated},
		{"unterminated block comment", hdr + "-- migrate:upgrade\n\n/* a\n/* b */\nSELECT 1;\n",
			"m/x.sql:4: unterminated block comment", script.ErrUnterminated},
		{"invalid utf-8", hdr + "-- migrate:upgrade\nSELECT 'caf\xe9';\n", "m/x.sql:3: invalid UTF-8 at column 12", script.ErrEncoding},
		{"truncated utf-8", hdr + "-- migrate:upgrade\nSELECT '\xc3", "m/x.sql:3: invalid UTF-8 at column 9", script.ErrEncoding},
		{"binary", hdr + "-- migrate:upgrade\n\nab\x00cd\n", "m/x.sql:4: binary content: NUL byte at column 3", script.ErrEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := script.Parse("m/x.sql", []byte(tt.text))
			if err == nil {
				t.Fatalf("Parse = %+v, want error %q", f, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) || !errors.Is(err, script.ErrSyntax) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			e, ok := errors.AsType[*script.Error](err)
			if !ok || e.Path != "m/x.sql" || e.Line < 1 {
				t.Errorf("error %#v is not a *script.Error with path and line", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	parse := func(body string) *script.Section {
		t.Helper()
		f, err := script.Parse("x.sql", []byte("-- migrate:revision a\n-- migrate:upgrade\n"+body))
		if err != nil {
			t.Fatal(err)
		}
		return f.Upgrade
	}
	base := parse("CREATE TABLE t (\n  id int\n);\nSELECT 1;\n").Checksum
	tests := []struct {
		name string
		body string
		same bool
	}{
		{"trailing blanks", "CREATE TABLE t (   \n  id int\t\n);  \nSELECT 1;\n", true},
		{"crlf", "CREATE TABLE t (\r\n  id int\r\n);\r\nSELECT 1;\r\n", true},
		{"comments between statements", "-- make t\nCREATE TABLE t (\n  id int\n);\n\n\n/* then */ SELECT 1;\n", true},
		{"no final semicolon", "CREATE TABLE t (\n  id int\n);\nSELECT 1\n", true},
		{"changed sql", "CREATE TABLE t (\n  id bigint\n);\nSELECT 1;\n", false},
		{"changed indent", "CREATE TABLE t (\n id int\n);\nSELECT 1;\n", false},
		{"statements joined", "CREATE TABLE t (\n  id int\n)\nSELECT 1;\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parse(tt.body).Checksum; (got == base) != tt.same {
				t.Errorf("checksum %s, base %s: same = %v, want %v", got, base, got == base, tt.same)
			}
		})
	}
}

func ExampleParse() {
	f, err := script.Parse("migrations/1975ea83b712.sql", []byte(`-- migrate:revision 1975ea83b712
-- migrate:down_revision ae1027a6acf0
-- migrate:message add invoice table

-- migrate:upgrade
CREATE TABLE invoice (id bigint PRIMARY KEY);

-- migrate:downgrade
DROP TABLE invoice;
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Revision.ID, f.Revision.Down, f.Revision.Message)
	fmt.Println(f.Upgrade.Statements[0].Line, f.Upgrade.Statements[0].SQL)
	fmt.Println(f.Downgrade.Statements[0].Line, f.Downgrade.Statements[0].SQL)

	_, err = script.Parse("migrations/bad.sql", []byte("-- migrate:revison 1\n"))
	fmt.Println(err)
	// Output:
	// 1975ea83b712 [ae1027a6acf0] add invoice table
	// 6 CREATE TABLE invoice (id bigint PRIMARY KEY)
	// 9 DROP TABLE invoice
	// migrations/bad.sql:1: unknown directive "-- migrate:revison": want revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade
}

// TestParseKeepsBytes: statements carry the file's bytes, CRLF line ends and
// any byte order mark after the first included; only a leading BOM goes.
func TestParseKeepsBytes(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"crlf body", "-- migrate:revision a\r\n-- migrate:upgrade transaction=false\r\nCREATE FUNCTION f() RETURNS text AS $$\r\nSELECT 'x'\r\n$$ LANGUAGE sql;\r\nINSERT INTO t VALUES ('one\r\ntwo');\r\n",
			[]string{"CREATE FUNCTION f() RETURNS text AS $$\r\nSELECT 'x'\r\n$$ LANGUAGE sql", "INSERT INTO t VALUES ('one\r\ntwo')"}},
		{"leading bom", "\uFEFF-- migrate:revision a\n-- migrate:upgrade\nSELECT 1;\n", []string{"SELECT 1"}},
		{"bom inside", "-- migrate:revision a\n-- migrate:upgrade\nSELECT '\uFEFFx';\n", []string{"SELECT '\uFEFFx'"}},
		{"lone cr kept", "-- migrate:revision a\n-- migrate:upgrade\nSELECT 'a\rb';\n", []string{"SELECT 'a\rb'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := script.Parse("x.sql", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range f.Upgrade.Statements {
				got = append(got, s.SQL)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("statements %q, want %q", got, tt.want)
			}
		})
	}
	lf, err := script.Parse("x.sql", []byte(strings.ReplaceAll(tests[0].file, "\r\n", "\n")))
	if err != nil {
		t.Fatal(err)
	}
	crlf, _ := script.Parse("x.sql", []byte(tests[0].file))
	if lf.Upgrade.Checksum != crlf.Upgrade.Checksum || !lf.Upgrade.NoTx || !crlf.Upgrade.NoTx {
		t.Errorf("CRLF and LF copies differ: checksum %s / %s, transaction=false %v / %v",
			crlf.Upgrade.Checksum, lf.Upgrade.Checksum, crlf.Upgrade.NoTx, lf.Upgrade.NoTx)
	}
}
