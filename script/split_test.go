package script_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retort-sql/retort/script"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/split")

// formatSplit renders Split's result for a golden file.
func formatSplit(stmts []script.Statement, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.String()
	}
	for i, s := range stmts {
		fmt.Fprintf(&b, "=== statement %d, line %d\n%s\n", i+1, s.Line, s.SQL)
	}
	fmt.Fprintf(&b, "=== %d statements\n", len(stmts))
	return b.String()
}

func TestSplitGolden(t *testing.T) { testSplitGolden(t, "split", "Split", script.Split) }

func TestSplitMySQLGolden(t *testing.T) {
	testSplitGolden(t, "split_mysql", "SplitMySQL", script.SplitMySQL)
}

// testSplitGolden splits every testdata/DIR/*.sql with split and compares
// the result with the .golden file beside it (-update rewrites them).
func testSplitGolden(t *testing.T, dir, fn string, split func(string, int) ([]script.Statement, error)) {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", dir, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatalf("no golden inputs in testdata/%s", dir)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".sql")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := formatSplit(split(string(data), 1))
			golden := strings.TrimSuffix(in, ".sql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s(%s) differs from %s\n--- got\n%s--- want\n%s", fn, in, golden, got, want)
			}
		})
	}
}

func TestSplitFirstLine(t *testing.T) {
	stmts, err := script.Split("\n\n  -- note\n  SELECT 1;\nSELECT\n2", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []script.Statement{{SQL: "SELECT 1", Line: 13}, {SQL: "SELECT\n2", Line: 14}}
	if fmt.Sprint(stmts) != fmt.Sprint(want) {
		t.Errorf("got %+v, want %+v", stmts, want)
	}
}

func TestSplitErrors(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		{"quote", "SELECT 1;\n'abc", "line 6: unterminated string"},
		{"e string", "SELECT E'\\'", "line 5: unterminated string"},
		{"identifier", "\n\"abc", "line 6: unterminated quoted identifier"},
		{"backtick", "`abc", "line 5: unterminated quoted identifier"},
		{"dollar", "SELECT $a$ x $b$", "line 5: unterminated dollar-quoted body $a$"},
		{"comment", "/* /* */", "line 5: unterminated block comment"},
		{"trigger", "CREATE TRIGGER t AFTER INSERT ON x\nBEGIN SELECT 1;", "line 6: unterminated BEGIN … END block"},
		{"atomic", "CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1;", "line 5: unterminated BEGIN … END block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmts, err := script.Split(tt.text, 5)
			if err == nil {
				t.Fatalf("Split(%q) = %+v, want error %q", tt.text, stmts, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if !errors.Is(err, script.ErrUnterminated) || !errors.Is(err, script.ErrSyntax) {
				t.Errorf("error %v does not match ErrUnterminated and ErrSyntax", err)
			}
		})
	}
}

func ExampleSplit() {
	stmts, err := script.Split(`-- two statements and a trigger
INSERT INTO t VALUES ('a;b');
CREATE TRIGGER t_ins AFTER INSERT ON t
BEGIN
  UPDATE n SET c = c + 1;
END;`, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range stmts {
		fmt.Printf("line %d: %s\n", s.Line, s.SQL)
	}
	// Output:
	// line 2: INSERT INTO t VALUES ('a;b')
	// line 3: CREATE TRIGGER t_ins AFTER INSERT ON t
	// BEGIN
	//   UPDATE n SET c = c + 1;
	// END
}
