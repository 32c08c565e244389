package script

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// addSeeds adds the golden splitter inputs and a few scripts to f.
func addSeeds(f *testing.F, wrap func(string) string) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "split", "*.sql"))
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wrap(string(data)))
	}
	for _, s := range []string{
		"", ";", "$", "$$", "$a", "E'", "e'\\", "/*", "--", "'", "\"", "`", "(", ")",
		"CREATE TRIGGER t BEGIN", "CREATE FUNCTION f BEGIN ATOMIC CASE END END;",
	} {
		f.Add(wrap(s))
	}
}

// onlyTrivia reports whether s holds nothing but whitespace, semicolons
// and comments. It is written apart from the scanner so that the two
// check each other.
func onlyTrivia(s string) bool {
	for i := 0; i < len(s); {
		switch {
		case strings.ContainsRune(" \t\n\r\f\v;", rune(s[i])):
			i++
		case strings.HasPrefix(s[i:], "--"):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return true
			}
			i += j
		case strings.HasPrefix(s[i:], "/*"):
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
			if depth != 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// FuzzSplit checks that Split never panics and loses no text: between and
// after the statements there is only whitespace, semicolons and comments;
// each statement sits at its reported line; and splitting a statement
// again gives back that one statement.
func FuzzSplit(f *testing.F) {
	addSeeds(f, func(s string) string { return s })
	f.Fuzz(func(t *testing.T, text string) {
		const first = 7
		spans, err := scan(text, first)
		if err != nil {
			e, ok := errors.AsType[*Error](err)
			if !ok || !errors.Is(err, ErrUnterminated) {
				t.Fatalf("error %v is not an unterminated *Error", err)
			}
			if e.Line < first || e.Line > first+strings.Count(text, "\n") {
				t.Fatalf("error line %d outside the text", e.Line)
			}
			return
		}
		prev := 0
		for _, s := range spans {
			if s.start < prev || s.end <= s.start || s.end > len(text) {
				t.Fatalf("bad span %+v after %d in %q", s, prev, text)
			}
			if gap := text[prev:s.start]; !onlyTrivia(gap) {
				t.Fatalf("text %q between statements was dropped", gap)
			}
			if want := first + strings.Count(text[:s.start], "\n"); s.line != want {
				t.Fatalf("statement %q at line %d, want %d", text[s.start:s.end], s.line, want)
			}
			sql := text[s.start:s.end]
			again, err := Split(sql, s.line)
			if err != nil || len(again) != 1 || again[0].SQL != sql || again[0].Line != s.line {
				t.Fatalf("Split(%q) = %+v, %v; want the statement back", sql, again, err)
			}
			prev = s.end
		}
		if tail := text[prev:]; !onlyTrivia(tail) {
			t.Fatalf("text %q after the last statement was dropped", tail)
		}
	})
}

// FuzzParse checks that Parse never panics, that what it accepts is
// well formed, and that Render writes it back so that Parse reads the same
// revision and statements.
func FuzzParse(f *testing.F) {
	addSeeds(f, func(s string) string {
		return "-- migrate:revision a1\n-- migrate:down_revision b\n-- migrate:upgrade\n" + s + "\n-- migrate:downgrade\nSELECT 1;\n"
	})
	f.Add("-- migrate:revision x\n-- migrate:branch_labels l.1, m-2\n-- migrate:depends_on q\n-- migrate:message hi\r there\n-- migrate:create_date now\n-- migrate:upgrade transaction=false\n")
	f.Fuzz(func(t *testing.T, text string) {
		file, err := Parse("f.sql", []byte(text))
		if err != nil {
			e, ok := errors.AsType[*Error](err)
			if !ok || !errors.Is(err, ErrSyntax) || e.Path != "f.sql" || e.Line < 1 {
				t.Fatalf("error %#v is not a *Error with path, line and ErrSyntax", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q spans lines", err)
			}
			return
		}
		if file.Upgrade == nil || !ValidID(file.Revision.ID) || file.Revision.Origin != "f.sql" {
			t.Fatalf("accepted a bad file: %+v", file)
		}
		closed := true // every statement ends outside parentheses and bodies
		join := func(s *Section) string {
			if s == nil {
				return ""
			}
			var b strings.Builder
			for _, st := range s.Statements {
				if again, err := Split(st.SQL+"\n;", 1); err != nil || len(again) != 1 || again[0].SQL != st.SQL {
					closed = false
				}
				b.WriteString(st.SQL)
				b.WriteString("\n;\n")
			}
			return b.String()
		}
		out := Render(file.Revision, file.CreateDate, join(file.Upgrade), join(file.Downgrade))
		back, err := Parse("f.sql", out)
		if err != nil {
			t.Fatalf("Parse(Render) failed: %v\n%s", err, out)
		}
		want := file.Revision
		want.Message = strings.TrimSpace(lineBreaks.Replace(want.Message))
		if !reflect.DeepEqual(back.Revision, want) || back.CreateDate != file.CreateDate {
			t.Fatalf("round trip gave %+v %q, want %+v %q\n%s", back.Revision, back.CreateDate, want, file.CreateDate, out)
		}
		sqls := func(s *Section) []string {
			var out []string
			for _, st := range s.Statements {
				out = append(out, st.SQL)
			}
			return out
		}
		if !closed {
			return // an open parenthesis or body takes in the next statement
		}
		if !reflect.DeepEqual(sqls(back.Upgrade), sqls(file.Upgrade)) || back.Upgrade.Checksum != file.Upgrade.Checksum {
			t.Fatalf("upgrade statements changed: %q, want %q", sqls(back.Upgrade), sqls(file.Upgrade))
		}
		if file.Downgrade != nil && !reflect.DeepEqual(sqls(back.Downgrade), sqls(file.Downgrade)) {
			t.Fatalf("downgrade statements changed: %q, want %q", sqls(back.Downgrade), sqls(file.Downgrade))
		}
	})
}
