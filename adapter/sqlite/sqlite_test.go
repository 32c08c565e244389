package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/adaptertest"
	"github.com/retort-sql/retort/adapter/sqlite"
)

// slowSQL counts to a billion: minutes of work, unless interrupted.
const slowSQL = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) FROM c`

func TestConformanceFile(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adapter.Pool {
		p, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, adaptertest.SlowStatement(slowSQL))
}

func TestConformanceMemory(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adapter.Pool {
		p, err := sqlite.Open(t.Context(), sqlite.MemoryPath)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}, adaptertest.SlowStatement(slowSQL))
}
