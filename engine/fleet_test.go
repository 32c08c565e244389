package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/pgtest"
)

// TestFleetSchemasShareOnePool upgrades 40 schemas of one database through
// one pool of 3 connections: each schema gets its tables, system schemas
// are skipped, the targets are read from the iterator only as slots free
// up, and every connection goes back to the pool with its own search_path.
func TestFleetSchemasShareOnePool(t *testing.T) {
	ctx := t.Context()
	url := pgtest.URL(t)
	const conc, n = 3, 40
	pool, err := postgres.Open(ctx, url+"&pool_max_conns="+fmt.Sprint(conc))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	f, err := engine.NewFleet(engine.Config{Scripts: linear()})
	if err != nil {
		t.Fatal(err)
	}
	var yielded, done, maxAhead atomic.Int64
	targets := func(yield func(engine.Target) bool) {
		names := []string{"pg_catalog"}
		for i := range n {
			names = append(names, fmt.Sprintf("Tenant_%02d", i))
		}
		names = append(names, "information_schema")
		for _, s := range names {
			ahead := yielded.Add(1) - done.Load()
			for m := maxAhead.Load(); ahead > m && !maxAhead.CompareAndSwap(m, ahead); m = maxAhead.Load() {
			}
			if !yield(engine.Target{Name: s, Config: engine.Config{Pool: pool, Schema: s}}) {
				return
			}
		}
	}
	var mu sync.Mutex
	results := map[string]engine.TargetResult{}
	opts := engine.FanOutOptions{Concurrency: conc, OnDone: func(_ int, r engine.TargetResult) {
		done.Add(1)
		mu.Lock()
		results[r.Name] = r
		mu.Unlock()
	}}
	sum := f.Upgrade(ctx, targets, "head", opts)
	if sum.OK != n || sum.Skipped != 2 || sum.Failed != 0 || sum.Targets != n+2 || sum.Err() != nil {
		t.Fatalf("summary %+v", sum)
	}
	if r := results["pg_catalog"]; !r.Skipped || !errors.Is(r.Err, engine.ErrSystemSchema) {
		t.Errorf("pg_catalog: %+v", r)
	}
	if r := results["Tenant_07"]; r.Err != nil || len(r.Result.Applied) != 3 {
		t.Errorf("Tenant_07: %+v", r)
	}
	// The iterator is read as slots free up, not all at once.
	if m := maxAhead.Load(); m > conc+2 {
		t.Errorf("%d targets were read ahead of the finished ones, want at most %d", m, conc+2)
	}
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`"Tenant_00".t_c`, `"Tenant_39".migrate_version`, `"Tenant_39".migrate_history`} {
		if !regclass(t, c, q) {
			t.Errorf("%s missing", q)
		}
	}
	for _, q := range []string{"public.t_a", "public.migrate_version", "pg_catalog.migrate_version", "information_schema.t_a"} {
		if regclass(t, c, q) {
			t.Errorf("%s exists", q)
		}
	}
	c.Release()

	// Every pooled connection has its own search_path back.
	conns := make([]adapter.Conn, conc)
	for i := range conns {
		if conns[i], err = pool.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		if sp := queryString(t, c, "SHOW search_path"); sp != `"$user", public` {
			t.Errorf("a pooled connection came back with search_path %s", sp)
		}
		c.Release()
	}

	// Reads on the same pool: every schema is at head; a rerun applies
	// nothing.
	var cur sync.Map
	sum = f.Each(ctx, targets, engine.FanOutOptions{Concurrency: conc}, func(ctx context.Context, _ int, e *engine.Engine) error {
		ids, err := e.Current(ctx)
		cur.Store(e.VersionTable().Schema, strings.Join(ids, ","))
		return err
	})
	if sum.OK != n || sum.Skipped != 2 {
		t.Errorf("reads: %+v", sum)
	}
	if v, _ := cur.Load("Tenant_13"); v != "c3" {
		t.Errorf("Tenant_13 is at %v", v)
	}
	clear(results)
	f.Upgrade(ctx, targets, "head", opts)
	for name, r := range results {
		if r.Err == nil && len(r.Result.Applied) != 0 {
			t.Errorf("rerun applied %d on %s", len(r.Result.Applied), name)
		}
	}
}

// TestFleetSchemaNeedsSchemas refuses Schema on a database without
// schemas to scope a connection to.
func TestFleetSchemaNeedsSchemas(t *testing.T) {
	p, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	f, err := engine.NewFleet(engine.Config{Scripts: linear()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Open(t.Context(), engine.Config{Pool: p, Schema: "tenant"})
	if err == nil || !strings.Contains(err.Error(), "no schemas") {
		t.Errorf("err = %v", err)
	}
}

func regclass(t *testing.T, c adapter.Conn, name string) bool {
	t.Helper()
	return queryString(t, c, "SELECT (to_regclass('"+strings.ReplaceAll(name, "'", "''")+"') IS NOT NULL)::text") == "true"
}

func queryString(t *testing.T, c adapter.Conn, sql string) string {
	t.Helper()
	rows, err := c.Query(t.Context(), sql)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var s string
	if !rows.Next() {
		t.Fatalf("%s: no row", sql)
	}
	if err := rows.Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}
