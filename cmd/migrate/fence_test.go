package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/retort-sql/retort/internal/pgtest"
)

// writeLedgerChain writes n revisions r001…rNNN, r001 a base, each
// recording its run in ledger and then sleeping for sleep seconds.
func writeLedgerChain(t *testing.T, n int, sleep string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 1; i <= n; i++ {
		down := ""
		if i > 1 {
			down = fmt.Sprintf("-- migrate:down_revision r%03d\n", i-1)
		}
		up := fmt.Sprintf("INSERT INTO ledger VALUES ('r%03d');\nSELECT pg_sleep(%s) AS retort_fence_probe;", i, sleep)
		body := fmt.Sprintf("-- migrate:revision r%03d\n%s\n-- migrate:upgrade\n%s\n\n-- migrate:downgrade\n", i, down, up)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%03d.sql", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pgRows runs a query on url and returns its rows as text.
func pgRows(t *testing.T, url, sql string) [][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, err := c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// TestLeaseFencesStalledHolder freezes a lease holder (SIGSTOP) in the middle
// of a revision, lets a second process wait out the lease, take over and
// finish, then thaws the first (SIGCONT): the thawed holder commits nothing
// more, fails naming the revision and the lost lock, and every revision body
// ran exactly once, in both transaction modes.
func TestLeaseFencesStalledHolder(t *testing.T) {
	bin := buildMigrate(t)
	const revs = 4
	dir := writeLedgerChain(t, revs, "0.4")
	for _, mode := range []string{"revision", "run"} {
		t.Run(mode, func(t *testing.T) {
			url := pgtest.URL(t)
			pgRows(t, url, "CREATE TABLE ledger (rev text)")
			args := []string{"--dir", dir, "--url", url, "--lock", "lease", "--lock-lease", "2s",
				"--tx-mode", mode, "--log-level", "warn"}
			// The tables exist before the race (a first run in the
			// holder's own transaction would otherwise block the second
			// process on its uncommitted CREATE TABLE), but hold no row:
			// the holder's first version row is an INSERT.
			if out, err := exec.Command(bin, append(args, "stamp", "base")...).CombinedOutput(); err != nil {
				t.Fatalf("stamp base: %v\n%s", err, out)
			}

			holder := exec.Command(bin, append(args, "upgrade", "head")...)
			var hout, herr bytes.Buffer
			holder.Stdout, holder.Stderr = &hout, &herr
			if err := holder.Start(); err != nil {
				t.Fatal(err)
			}
			stopped := false
			defer func() {
				if stopped {
					_ = holder.Process.Signal(syscall.SIGCONT)
				}
				_ = holder.Process.Kill()
			}()
			// Freeze it while its first revision sleeps on the server.
			deadline := time.Now().Add(20 * time.Second)
			for {
				rows := pgRows(t, url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"+
					" AND query LIKE '%retort_fence_probe%' AND pid <> pg_backend_pid()")
				if rows[0][0] != "0" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the holder never started its first revision; stderr:\n%s", herr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := holder.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			stopped = true

			// The second process waits out the 2 s lease, takes over and
			// finishes.
			out, err := exec.Command(bin, append(args, "upgrade", "head")...).CombinedOutput()
			if err != nil {
				t.Fatalf("second process: %v\n%s", err, out)
			}

			if err := holder.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			stopped = false
			werr := holder.Wait()
			if werr == nil {
				t.Fatalf("the thawed holder succeeded; stdout:\n%s\nstderr:\n%s", hout.String(), herr.String())
			}
			msg := herr.String()
			if !strings.Contains(msg, "lease lost") || !strings.Contains(msg, "r001") {
				t.Errorf("the thawed holder's error does not name the lost lease and r001:\n%s", msg)
			}

			var want [][]string
			for i := 1; i <= revs; i++ {
				want = append(want, []string{fmt.Sprintf("r%03d", i), "1"})
			}
			if got := pgRows(t, url, "SELECT rev, count(*) FROM ledger GROUP BY rev ORDER BY rev"); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("ledger (revision, runs) = %v, want each once: %v", got, want)
			}
			if got := pgRows(t, url, "SELECT version_num FROM migrate_version"); len(got) != 1 || got[0][0] != fmt.Sprintf("r%03d", revs) {
				t.Errorf("version rows %v, want one row r%03d", got, revs)
			}
			if got := pgRows(t, url, "SELECT revision, count(*) FROM migrate_history WHERE status = 'done' GROUP BY revision ORDER BY revision"); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("done history rows (revision, count) = %v, want each once: %v", got, want)
			}
			if got := pgRows(t, url, "SELECT count(*) FROM migrate_version_lock"); got[0][0] != "0" {
				t.Errorf("%s lease rows left behind", got[0][0])
			}
		})
	}
}
