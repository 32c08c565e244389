package postgres_test

import (
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/adaptertest"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const slowSQL = "SELECT pg_sleep(30)"

func openPool(t *testing.T) *postgres.Pool {
	t.Helper()
	p, err := postgres.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adapter.Pool {
		return openPool(t)
	}, adaptertest.SlowStatement(slowSQL))
}
