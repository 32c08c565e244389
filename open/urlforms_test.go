package open_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/pgtest"
	"github.com/retort-sql/retort/open"
)

// TestEngineURLForms upgrades through engine.Config.URL in each form an
// Alembic or libpq user has, on real databases: key=value settings,
// SQLAlchemy's async schemes with Python-only parameters, and the SQLite
// "//" forms relative to the working directory.
func TestEngineURLForms(t *testing.T) {
	keyValue := func(t *testing.T) string {
		u, err := url.Parse(pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		kv := "host=" + u.Hostname() + " port=" + u.Port() + " dbname=" + strings.TrimPrefix(u.Path, "/") + " user=" + u.User.Username()
		if pw, ok := u.User.Password(); ok {
			kv += " password='" + pw + "'"
		}
		return kv
	}
	asyncpg := func(t *testing.T) string {
		_, rest, _ := strings.Cut(pgtest.URL(t), "://")
		sep := "?"
		if strings.Contains(rest, "?") {
			sep = "&"
		}
		return "postgresql+asyncpg://" + rest + sep + "prepared_statement_cache_size=0&async_fallback=true"
	}
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
		file string // SQLite: the file the database must be in
	}{
		{"key-value", keyValue, ""},
		{"asyncpg", asyncpg, ""},
		{"aiosqlite-relative", func(*testing.T) string { return "sqlite+aiosqlite:///rel.db" }, filepath.Join(dir, "rel.db")},
		{"sqlite-absolute", func(*testing.T) string { return "sqlite:///" + filepath.Join(dir, "abs.db") }, filepath.Join(dir, "abs.db")},
		{"sqlite-memory", func(*testing.T) string { return "sqlite://" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := open.Engine(t.Context(), engine.Config{URL: tc.url(t), Scripts: scripts})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if _, err := e.Upgrade(t.Context(), "head"); err != nil {
				t.Fatal(err)
			}
			cur, err := e.Current(t.Context())
			if err != nil || len(cur) != 1 || cur[0] != "a1" {
				t.Fatalf("current %v, %v", cur, err)
			}
			if tc.file != "" {
				if _, err := os.Stat(tc.file); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
