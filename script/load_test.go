package script_test

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

//go:embed testdata/load
var embedded embed.FS

// loaded summarises Load's result: path, id and statement counts.
func loaded(files []*script.File) []string {
	var out []string
	for _, f := range files {
		down := "irreversible"
		if f.Downgrade != nil {
			down = fmt.Sprint(len(f.Downgrade.Statements))
		}
		out = append(out, fmt.Sprintf("%s %s origin=%s up=%d down=%s notx=%v",
			f.Path, f.Revision.ID, f.Revision.Origin, len(f.Upgrade.Statements), down, f.Upgrade.NoTx))
	}
	return out
}

func TestLoad(t *testing.T) {
	want := []string{
		"testdata/load/001_base.sql ae1027a6acf0 origin=testdata/load/001_base.sql up=1 down=1 notx=false",
		"testdata/load/billing/002_invoice.sql 1975ea83b712 origin=testdata/load/billing/002_invoice.sql up=1 down=irreversible notx=false",
		"testdata/load/billing/archive/003_index.sql 27c6a30d7c24 origin=testdata/load/billing/archive/003_index.sql up=1 down=1 notx=true",
	}
	sources := []struct {
		name string
		fsys fs.FS
	}{
		{"embed.FS", embedded},
		{"os.DirFS", os.DirFS(".")},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			files, err := script.Load(src.fsys, "testdata/load")
			if err != nil {
				t.Fatal(err)
			}
			if got := loaded(files); !reflect.DeepEqual(got, want) {
				t.Errorf("Load =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	t.Run("sub FS", func(t *testing.T) {
		sub, err := fs.Sub(embedded, "testdata/load")
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{".", ""} {
			files, err := script.Load(sub, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 3 || files[1].Path != "billing/002_invoice.sql" {
				t.Errorf("Load(sub, %q) = %q", dir, loaded(files))
			}
		}
	})
}

func TestLoadSelection(t *testing.T) {
	rev := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: script.Render(revgraph.Revision{ID: id}, "", "SELECT 1;", "")}
	}
	fsys := fstest.MapFS{
		"m/b.sql":            rev("b"),
		"m/a/z.sql":          rev("az"),
		"m/a.sql":            rev("a"),
		"m/notes.txt":        {Data: []byte("not sql")},
		"m/upper.SQL":        {Data: []byte("ignored: only .sql")},
		"m/.#b.sql":          {Data: []byte("editor lock file")},
		"m/.git/x.sql":       {Data: []byte("hidden folder")},
		"m/dir.sql/c.sql":    rev("c"),
		"other/outside.sql":  rev("outside"),
		"m/empty/.gitignore": {Data: []byte("")},
	}
	files, err := script.Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path+"="+f.Revision.ID)
	}
	want := []string{"m/a.sql=a", "m/a/z.sql=az", "m/b.sql=b", "m/dir.sql/c.sql=c"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load = %q, want %q", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("every bad file is reported", func(t *testing.T) {
		fsys := fstest.MapFS{
			"m/1.sql": {Data: []byte("-- migrate:revision a\n-- migrate:upgrade\n")},
			"m/2.sql": {Data: []byte("-- migrate:revsion b\n")},
			"m/3.sql": {Data: []byte("")},
			"m/4.sql": {Data: []byte("-- migrate:revision d\n-- migrate:upgrade\nSELECT 'x\n")},
		}
		files, err := script.Load(fsys, "m")
		if err == nil {
			t.Fatalf("Load = %v, want an error", loaded(files))
		}
		want := `m/2.sql:1: unknown directive "-- migrate:revsion": want revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade
m/3.sql:1: empty file: want a -- migrate:revision header and a -- migrate:upgrade section
m/4.sql:3: unterminated string`
		if err.Error() != want {
			t.Errorf("error\n%s\nwant\n%s", err, want)
		}
		if !errors.Is(err, script.ErrEmpty) || !errors.Is(err, script.ErrUnterminated) {
			t.Errorf("joined error %v lost its sentinels", err)
		}
	})
	t.Run("missing directory", func(t *testing.T) {
		_, err := script.Load(os.DirFS(t.TempDir()), "migrations")
		if err == nil || err.Error() != "migrations: script directory does not exist" {
			t.Errorf("error = %v", err)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
	})
	t.Run("file instead of directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "migrations"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := script.Load(os.DirFS(dir), "migrations")
		if err == nil || err.Error() != "migrations: script directory is not a directory" {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("empty directory", func(t *testing.T) {
		files, err := script.Load(fstest.MapFS{"m/readme.txt": {}}, "m")
		if err != nil || len(files) != 0 {
			t.Errorf("Load = %v, %v; want no files and no error", files, err)
		}
	})
}

func BenchmarkLoad10000(b *testing.B) {
	dir := b.TempDir()
	parent := ""
	for i := range 10000 {
		id := fmt.Sprintf("r%011x", i)
		rev := revgraph.Revision{ID: id, Message: fmt.Sprintf("revision %d", i)}
		if parent != "" {
			rev.Down = []string{parent}
		}
		parent = id
		sub := filepath.Join(dir, fmt.Sprintf("%02d", i%100))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		body := script.Render(rev, "2026-11-23T10:00:00Z",
			fmt.Sprintf("CREATE TABLE t%d (id bigint PRIMARY KEY, note text DEFAULT 'a;b');\nCREATE INDEX t%d_note ON t%d (note);", i, i, i),
			fmt.Sprintf("DROP TABLE t%d;", i))
		if err := os.WriteFile(filepath.Join(sub, id+".sql"), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	b.ResetTimer()
	for b.Loop() {
		files, err := script.Load(fsys, ".")
		if err != nil {
			b.Fatal(err)
		}
		if len(files) != 10000 {
			b.Fatalf("loaded %d files", len(files))
		}
	}
}

// TestLoadManyFilesInParallel loads a directory large enough to be read by
// several goroutines: the files come back sorted by path, and every broken
// file is reported.
func TestLoadManyFilesInParallel(t *testing.T) {
	fsys := fstest.MapFS{}
	for i := range 300 {
		body := fmt.Sprintf("-- migrate:revision r%04d\n-- migrate:upgrade\nSELECT %d;\n", i, i)
		if i%100 == 7 {
			body = "-- migrate:revisoin oops\n"
		}
		fsys[fmt.Sprintf("m/%02d/r%04d.sql", i%17, i)] = &fstest.MapFile{Data: []byte(body)}
	}
	files, err := script.Load(fsys, "m")
	if err == nil || files != nil {
		t.Fatalf("want errors and no files, got %d files, %v", len(files), err)
	}
	for _, bad := range []string{"r0007.sql", "r0107.sql", "r0207.sql"} {
		if !strings.Contains(err.Error(), bad) {
			t.Errorf("error does not name %s: %v", bad, err)
		}
	}
	for _, i := range []int{7, 107, 207} {
		delete(fsys, fmt.Sprintf("m/%02d/r%04d.sql", i%17, i))
	}
	files, err = script.Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 297 {
		t.Fatalf("%d files", len(files))
	}
	for i := 1; i < len(files); i++ {
		if files[i-1].Path >= files[i].Path {
			t.Fatalf("not sorted: %s before %s", files[i-1].Path, files[i].Path)
		}
		if !strings.HasSuffix(files[i].Path, files[i].Revision.ID+".sql") {
			t.Fatalf("%s holds revision %s", files[i].Path, files[i].Revision.ID)
		}
	}
}
