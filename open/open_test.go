package open_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/internal/pgtest"
	"github.com/retort-sql/retort/open"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var scripts = fstest.MapFS{"a1.sql": {Data: []byte("-- migrate:revision a1\n-- migrate:upgrade\nCREATE TABLE t (id integer);\n-- migrate:downgrade\nDROP TABLE t;\n")}}

func TestPoolDispatchesOnTheURLFamily(t *testing.T) {
	for _, tc := range []struct {
		name, dialect string
		url           func(t *testing.T) string
	}{
		{"sqlite file", "sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "a.db") }},
		{"sqlite memory", "sqlite", func(*testing.T) string { return "sqlite::memory:" }},
		{"postgres", "postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := open.Pool(t.Context(), tc.url(t))
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if got := p.Dialect().Name(); got != tc.dialect {
				t.Errorf("dialect %q, want %q", got, tc.dialect)
			}
			c, err := p.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Release()
			if _, err := c.Exec(t.Context(), "CREATE TABLE probe (id integer)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPoolErrorsHideThePassword(t *testing.T) {
	_, err := open.Pool(t.Context(), "postgres://u:s3cr3t@127.0.0.1:1/none?connect_timeout=1")
	if err == nil {
		t.Fatal("connected to port 1")
	}
	if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "xxxxx") {
		t.Errorf("error %q: want the redacted URL without the password", err)
	}
	if _, err := open.Pool(t.Context(), "oracle://db"); !errors.Is(err, dsn.ErrUnsupported) {
		t.Errorf("oracle URL: got %v, want ErrUnsupported", err)
	}
}

func TestDialect(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres", "postgres"},
		{"postgresql", "postgres"},
		{"sqlite", "sqlite"},
		{"postgres://u:pw@h/db", "postgres"},
		{"sqlite::memory:", "sqlite"},
		{"sqlite:app.db", "sqlite"},
	} {
		d, err := open.Dialect(tc.in)
		if err != nil {
			t.Errorf("Dialect(%q): %v", tc.in, err)
			continue
		}
		if d.Name() != tc.want {
			t.Errorf("Dialect(%q) = %s, want %s", tc.in, d.Name(), tc.want)
		}
	}
	if _, err := open.Dialect("oracle"); err == nil || !strings.Contains(err.Error(), `unknown dialect "oracle"`) {
		t.Errorf("Dialect(oracle): got %v", err)
	}
}

func TestEngineSetsTheOpener(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "a.db")
	if _, err := engine.Open(t.Context(), engine.Config{URL: url, Scripts: scripts}); !errors.Is(err, engine.ErrNoOpener) {
		t.Fatalf("engine.Open with a URL and no opener: got %v, want ErrNoOpener", err)
	}
	e, err := open.Engine(t.Context(), engine.Config{URL: url, Scripts: scripts})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Upgrade(t.Context(), "head")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied) != 1 {
		t.Errorf("applied %v, want a1", res.Applied)
	}
}
