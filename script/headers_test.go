package script

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzParseHeader checks ParseHeader against Parse: whatever Parse accepts,
// ParseHeader accepts with the same header, on the whole file and on the
// part readHeader would read; whatever ParseHeader rejects, Parse rejects.
func FuzzParseHeader(f *testing.F) {
	addSeeds(f, func(s string) string {
		return "-- migrate:revision a1\n-- migrate:down_revision b\n-- migrate:upgrade\n" + s + "\n-- migrate:downgrade\nSELECT 1;\n"
	})
	f.Add("\uFEFF-- migrate:revision x\r\n-- migrate:message m\r\n\r\n-- migrate:downgrade\r\nDROP TABLE t;\r\n-- migrate:upgrade\r\nCREATE TABLE t (id int);\r\n")
	f.Add("-- migrate:revision x\n-- migrate:upgrade transaction=maybe\n")
	f.Add("-- migrate:revision x\n-- migrate:bogus\n-- migrate:upgrade\n")
	f.Add("-- migrate:revision x\nSELECT 1;\n-- migrate:upgrade\n")
	f.Add("-- migrate:revision x\n-- migrate:message only a header\n")
	f.Fuzz(func(t *testing.T, text string) {
		full, perr := Parse("f.sql", []byte(text))
		head, herr := ParseHeader("f.sql", []byte(text))
		scanned := 0
		part := []byte(text)
		if end, ok := sectionLineEnd(part, &scanned); ok {
			part = part[:end]
		}
		cut, cerr := ParseHeader("f.sql", part)
		if herr != nil && perr == nil {
			t.Fatalf("ParseHeader rejects what Parse accepts: %v", herr)
		}
		if (herr == nil) != (cerr == nil) || herr != nil && herr.Error() != cerr.Error() {
			t.Fatalf("the header alone parses differently: %v, then %v", herr, cerr)
		}
		if perr != nil {
			return
		}
		if head.Upgrade != nil || head.Downgrade != nil {
			t.Fatal("ParseHeader returned sections")
		}
		for _, h := range []*File{head, cut} {
			if !reflect.DeepEqual(h.Revision, full.Revision) || h.CreateDate != full.CreateDate || h.Path != full.Path {
				t.Fatalf("header %+v, Parse says %+v", h.Revision, full.Revision)
			}
		}
	})
}

// TestLoadHeaders compares LoadHeaders with Load on the test scripts, and
// on a header longer than the first read.
func TestLoadHeaders(t *testing.T) {
	full, err := Load(os.DirFS("."), "testdata/load")
	if err != nil {
		t.Fatal(err)
	}
	heads, err := LoadHeaders(os.DirFS("."), "testdata/load")
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != len(full) {
		t.Fatalf("%d headers, %d files", len(heads), len(full))
	}
	for i := range full {
		if !reflect.DeepEqual(heads[i].Revision, full[i].Revision) || heads[i].Path != full[i].Path || heads[i].Upgrade != nil {
			t.Errorf("%s: header %+v, file %+v", full[i].Path, heads[i].Revision, full[i].Revision)
		}
	}

	long := strings.Repeat("x", 3*headerChunk)
	fsys := fstest.MapFS{
		"a.sql": {Data: []byte("-- migrate:revision a1\n-- " + long + "\n-- migrate:message " + long + "\n-- migrate:upgrade\nSELECT 1;\n")},
		"b.sql": {Data: []byte("-- migrate:revision b2\n-- migrate:down_revision a1\n-- migrate:upgrade\nSELECT '\n")},
		"c.sql": {Data: []byte("-- migrate:revision c3\n-- migrate:down_revision b2")},
	}
	files, err := LoadHeaders(fsys, ".")
	var e *Error
	if !errors.As(err, &e) || e.Path != "c.sql" || !strings.Contains(err.Error(), "missing -- migrate:upgrade section") {
		t.Fatalf("want c.sql's missing section, got %v", err)
	}
	delete(fsys, "c.sql")
	// b.sql's unterminated string is in its body: not a header problem.
	if files, err = LoadHeaders(fsys, "."); err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Revision.Message != long || files[1].Revision.Down[0] != "a1" {
		t.Fatalf("headers %+v", files)
	}
	if _, err := Load(fsys, "."); !errors.Is(err, ErrUnterminated) {
		t.Fatalf("Load does report the body: %v", err)
	}
}
