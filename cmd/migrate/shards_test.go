package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/pgtest"
)

// shardRow is the part of a fleet --json line the shard test reads.
type shardRow struct {
	Target  string   `json:"target"`
	Status  string   `json:"status"`
	Applied int      `json:"applied"`
	Current []string `json:"current"`
	Error   string   `json:"error"`
}

// TestShardsSplitOneFleet runs 4 processes with --shard 0/4 … 3/4 at once
// over one targets file of 200 targets (100 SQLite files and 100 schemas of
// the test's PostgreSQL database): every target is in exactly one shard's
// --json report, every target ends at head with each revision run once,
// and a rerun of a shard applies nothing.
func TestShardsSplitOneFleet(t *testing.T) {
	bin := buildMigrate(t)
	const shards, revs = 4, 3
	scripts := writeChain(t, revs)
	head := fmt.Sprintf("r%03d", revs-1)
	url := pgtest.URL(t)
	dir := t.TempDir()
	var lines []string
	for i := range 100 {
		lines = append(lines, "sqlite:"+filepath.Join(dir, fmt.Sprintf("t%03d.db", i)))
		lines = append(lines, url+"&search_path="+fmt.Sprintf("s_%03d", i))
	}
	if !strings.Contains(url, "?") {
		t.Fatalf("test URL without a query: %s", url)
	}
	targets := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(targets, []byte("# 200 tenants\n"+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	migrate := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(t.Context(), bin, append([]string{"--dir", scripts, "--log-level", "error"}, args...)...)
		cmd.Env = append(os.Environ(), "MIGRATE_URL=", "DATABASE_URL=")
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return out, err
	}
	decode := func(out []byte) []shardRow {
		t.Helper()
		var rows []shardRow
		if err := json.Unmarshal(out, &rows); err != nil {
			t.Fatalf("--json: %v\n%s", err, out)
		}
		return rows
	}

	outs := make([][]byte, shards)
	var g errgroup.Group
	for i := range shards {
		g.Go(func() (err error) {
			outs[i], err = migrate("upgrade", "head", "--targets", targets, "--shard", fmt.Sprintf("%d/%d", i, shards),
				"--concurrency", "4", "--json")
			if err != nil {
				return fmt.Errorf("shard %d: %w", i, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	owner := map[string]int{}
	for i, out := range outs {
		rows := decode(out)
		if len(rows) < 25 || len(rows) > 75 {
			t.Errorf("shard %d has %d of 200 targets", i, len(rows))
		}
		for _, r := range rows {
			if prev, dup := owner[r.Target]; dup {
				t.Errorf("%s is in shards %d and %d", r.Target, prev, i)
			}
			owner[r.Target] = i
			if r.Status != "ok" || r.Applied != revs {
				t.Errorf("shard %d: %s: %s, %d applied: %s", i, r.Target, r.Status, r.Applied, r.Error)
			}
		}
	}
	if len(owner) != 200 {
		t.Fatalf("%d targets reported, want 200", len(owner))
	}

	// Every target at head, read as a fleet; check agrees.
	out, err := migrate("current", "--targets", targets, "--json")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range decode(out) {
		if r.Status != "ok" || strings.Join(r.Current, ",") != head {
			t.Errorf("current of %s: %s %v %s", r.Target, r.Status, r.Current, r.Error)
		}
	}
	if out, err := migrate("check", "--targets", targets); err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	// Each revision ran once per target: three run_log rows in each schema.
	for _, s := range []string{"s_000", "s_057", "s_099"} {
		if n := pgCount(t, url, "SELECT count(*) FROM "+s+".run_log"); n != revs {
			t.Errorf("%s.run_log has %d rows, want %d", s, n, revs)
		}
	}

	// A rerun of any shard is a no-op.
	for i := range shards {
		out, err := migrate("upgrade", "--targets", targets, "--shard", fmt.Sprintf("%d/%d", i, shards), "--json")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range decode(out) {
			if owner[r.Target] != i || r.Status != "ok" || r.Applied != 0 {
				t.Errorf("rerun of shard %d: %s (shard %d): %s, %d applied", i, r.Target, owner[r.Target], r.Status, r.Applied)
			}
		}
	}
}

// pgCount runs a count query on url.
func pgCount(t *testing.T, url, query string) int64 {
	t.Helper()
	c := acquire(t, func() (adapter.Pool, error) { return postgres.Open(t.Context(), url) })
	rows, err := c.Query(t.Context(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var n int64
	if !rows.Next() {
		t.Fatalf("%s: no row", query)
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
