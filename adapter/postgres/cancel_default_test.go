package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/pgtest"
)

// TestFromPoolDefaultHandlerStopsTheBackend measures what docs/cancellation.md
// says of a caller's pool left with pgx's default context watcher: the
// cancelled statement's connection is reported broken, and pgx's close of
// it sends a cancel request first, so the backend stops at once rather than
// running pg_sleep(30) to its end. The times are logged for the docs; the
// bound asserted is loose, as the machine may be loaded.
func TestFromPoolDefaultHandlerStopsTheBackend(t *testing.T) {
	url := pgtest.URL(t)
	pp, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Close()
	p := postgres.FromPool(pp)
	admin := connect(t, url)
	var lags []time.Duration
	for i := range 5 {
		marker := fmt.Sprintf("retort-default-cancel-%d", i)
		c, err := p.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		_, err = c.Exec(ctx, "SELECT pg_sleep(30) /* "+marker+" */")
		returned := time.Now()
		cancel()
		var broken *adapter.ConnBrokenError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &broken) {
			t.Fatalf("cancelled statement: %v, want a deadline error reporting the connection broken", err)
		}
		c.Release()
		// Poll until no backend runs the statement any more.
		var gone time.Duration
		for {
			var n int
			if err := admin.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND query LIKE '%`+marker+`%' AND state = 'active' AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			gone = time.Since(returned)
			if n == 0 {
				break
			}
			if gone > 5*time.Second {
				t.Fatalf("run %d: the cancelled statement still runs %v after return", i, gone)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if gone > time.Second {
			t.Errorf("run %d: the cancelled statement ran on %v after return, want it stopped at once (pgx sends a cancel request as it closes)", i, gone)
		}
		lags = append(lags, gone)
	}
	slices.Sort(lags)
	t.Logf("backend gone after return: median %v, max %v (%d runs)", lags[len(lags)/2], lags[len(lags)-1], len(lags))
}
