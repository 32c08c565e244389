package engine_test

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
)

// TestMissingScriptDirNamesThePath: a missing script folder is named as the
// caller gave it, not as the fs.FS root ".".
func TestMissingScriptDirNamesThePath(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		name string
		cfg  engine.Config
		want string
	}{
		{"default folder", engine.Config{}, "migrations: script directory does not exist"},
		{"ScriptDir", engine.Config{Scripts: os.DirFS("."), ScriptDir: "db/revs"}, "db/revs: script directory does not exist"},
		{"root of Scripts", engine.Config{Scripts: os.DirFS("nowhere")}, "the root of Config.Scripts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.URL = "sqlite::memory:"
			_, err := dbopen.Engine(t.Context(), tc.cfg)
			if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), tc.want) || strings.HasPrefix(err.Error(), ".:") {
				t.Errorf("Open: %v, want it to name %q", err, tc.want)
			}
		})
	}
}
