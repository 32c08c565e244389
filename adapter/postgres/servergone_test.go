package postgres_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/pgtest"
)

// A session the server ends (a restart, pg_terminate_backend) in the middle
// of a statement reads as the server closing the connection, not as an
// interrupted statement.
func TestServerClosedConnection(t *testing.T) {
	t.Parallel()
	p, err := postgres.Open(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c := acquire(t, p)
	rows, err := c.Query(t.Context(), "SELECT pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	var pid int64
	if !rows.Next() {
		t.Fatal("no pid")
	}
	if err := rows.Scan(&pid); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		k, err := p.Acquire(t.Context())
		if err != nil {
			return
		}
		defer k.Release()
		_, _ = k.Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid)
	}()
	_, err = c.Exec(t.Context(), "SELECT pg_sleep(30) AS retort_server_gone_probe")
	broken, ok := errors.AsType[*adapter.ConnBrokenError](err)
	if !ok || broken.Interrupted {
		t.Fatalf("got %v, want a ConnBrokenError that the server caused", err)
	}
	if !strings.Contains(err.Error(), "the database server closed the connection") || strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %q does not say the server closed the connection", err)
	}
}
