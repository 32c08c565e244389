package script_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/retort-sql/retort/script"
)

// rev is a minimal script whose revision is id, a child of down.
func rev(id, down string) string {
	s := "-- migrate:revision " + id + "\n"
	if down != "" {
		s += "-- migrate:down_revision " + down + "\n"
	}
	return s + "\n-- migrate:upgrade\nSELECT 1;\n"
}

// configMapDir lays out dir as a Kubernetes ConfigMap volume does: the
// files in a timestamped hidden folder, ..data linked to it, and one link
// per file at the top, pointing through ..data.
func configMapDir(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	ts := "..2026_12_02_10_00_00.123456789"
	if err := os.MkdirAll(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, ts, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(ts, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
}

func paths(files []*script.File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path+" "+f.Revision.ID)
	}
	return out
}

func TestLoadConfigMapVolume(t *testing.T) {
	dir := t.TempDir()
	configMapDir(t, dir, map[string]string{"s1.sql": rev("s1", ""), "s2.sql": rev("s2", "s1")})
	files, err := script.Load(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(files), []string{"s1.sql s1", "s2.sql s2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %q, want each script once: %q", got, want)
	}
}

func TestLoadSymlinks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string // loaded paths and ids
		err   string   // or an error naming the path
	}{
		{
			name: "link to a folder",
			setup: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "..", "shared", "a.sql"), rev("a", ""))
				link(t, filepath.Join("..", "shared"), filepath.Join(dir, "shared"))
			},
			want: []string{"shared/a.sql a"},
		},
		{
			name: "one file by two paths",
			setup: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "v1", "a.sql"), rev("a", ""))
				link(t, "v1", filepath.Join(dir, "current"))
				link(t, filepath.Join("v1", "a.sql"), filepath.Join(dir, "a.sql"))
			},
			want: []string{"v1/a.sql a"},
		},
		{
			name: "loop",
			setup: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "sub", "a.sql"), rev("a", ""))
				link(t, "..", filepath.Join(dir, "sub", "up"))
			},
			err: "sub/up: symbolic link loop",
		},
		{
			name: "broken link",
			setup: func(t *testing.T, dir string) {
				write(t, filepath.Join(dir, "a.sql"), rev("a", ""))
				link(t, "gone.sql", filepath.Join(dir, "b.sql"))
			},
			err: "b.sql: cannot read (symbolic link)",
		},
		{
			name: "link to a folder named .sql",
			setup: func(t *testing.T, dir string) {
				if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "d", "a.sql"), rev("a", ""))
				link(t, "d", filepath.Join(dir, "x.sql"))
			},
			want: []string{"d/a.sql a"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "migrations")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tc.setup(t, dir)
			files, err := script.Load(os.DirFS(dir), ".")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				if _, ok := errors.AsType[*script.Error](err); !ok {
					t.Fatalf("error %v is not a *script.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := paths(files); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Load = %q, want %q", got, tc.want)
			}
		})
	}
}

// A *.sql entry that is not a file cannot be loaded: an error, never a
// silent skip.
func TestLoadSpecialSQLEntry(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.sql"), rev("a", ""))
	if err := mkfifo(filepath.Join(dir, "p.sql")); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	_, err := script.Load(os.DirFS(dir), ".")
	if err == nil || !strings.Contains(err.Error(), "p.sql: not a regular file") || !errors.Is(err, fs.ErrInvalid) {
		t.Fatalf("got %v, want p.sql named as not a regular file", err)
	}
}

func write(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}
