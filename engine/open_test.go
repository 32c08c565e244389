package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
)

func TestOpenRejectsConflictingFields(t *testing.T) {
	p, err := sqlite.Open(t.Context(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	for _, tc := range []struct {
		name string
		cfg  engine.Config
		want string
	}{
		{"pool and conn", engine.Config{Pool: p, Conn: c, Scripts: linear()}, "Pool and Conn are both set"},
		{"dialect online", engine.Config{Pool: p, Dialect: "postgres", Scripts: linear()}, `Dialect "postgres" is for offline mode only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := engine.Open(t.Context(), tc.cfg)
			if !errors.Is(err, engine.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrConfig saying %q", err, tc.want)
			}
		})
	}
}

func TestEmptyScriptsNeedConsent(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "a.db")
	for _, tc := range []struct {
		name, dir, shown string
		fsys             fstest.MapFS
	}{
		{"empty folder", "migrations", "migrations", fstest.MapFS{"migrations/README": {Data: []byte("x")}}},
		{"missing folder", "nope", "nope", fstest.MapFS{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dbopen.Engine(t.Context(), engine.Config{URL: url, Scripts: tc.fsys, ScriptDir: tc.dir})
			if !errors.Is(err, engine.ErrNoRevisions) || !strings.Contains(err.Error(), tc.shown) {
				t.Fatalf("got %v, want ErrNoRevisions naming %s", err, tc.shown)
			}
			e, err := dbopen.Engine(t.Context(), engine.Config{URL: url, Scripts: tc.fsys, ScriptDir: tc.dir, AllowEmptyScripts: true})
			if err != nil {
				t.Fatalf("with AllowEmptyScripts: %v", err)
			}
			defer e.Close()
			if cur, err := e.Current(t.Context()); err != nil || len(cur) != 0 {
				t.Fatalf("current on an empty project: %v, %v", cur, err)
			}
			// Upgrading to nothing is never the same as being at head.
			if _, err := e.Upgrade(t.Context(), "head"); !errors.Is(err, engine.ErrNoRevisions) {
				t.Fatalf("upgrade head with no revision: %v, want ErrNoRevisions", err)
			}
		})
	}
}

type ctxKey struct{}

func TestGoRevisionSeesTheRunContext(t *testing.T) {
	var seen any
	rev := engine.GoRevision{
		Revision: revgraph.Revision{ID: "g1"},
		Up: func(c engine.Conn) error {
			seen = c.Context().Value(ctxKey{})
			return c.Context().Err()
		},
	}
	e, err := dbopen.Engine(t.Context(), engine.Config{URL: "sqlite::memory:", Scripts: fstest.MapFS{}, AllowEmptyScripts: true,
		GoRevisions: []engine.GoRevision{rev}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.WithValue(t.Context(), ctxKey{}, "run ctx")
	if _, err := e.Upgrade(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	if seen != "run ctx" {
		t.Fatalf("Conn.Context carried %v, want the run's context", seen)
	}
}
