package main_test

import (
	"fmt"
	"os/exec"
	"slices"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/internal/pgtest"
)

// TestPgBouncerTransactionPooling runs 8 processes of `migrate --lock lease
// upgrade` at once through a PgBouncer of the test's own in transaction
// pooling mode, with a plain URL (no default_query_exec_mode): all exit 0,
// each revision runs once, the database ends at head and no lease row is
// left behind. Both transaction modes; and the advisory lock in session
// pooling mode, where a client keeps its server session.
func TestPgBouncerTransactionPooling(t *testing.T) {
	bin := buildMigrate(t)
	const procs, revs = 8, 6
	dir := writeChain(t, revs)
	for _, tc := range []struct{ pool, lock, mode string }{
		{"transaction", "lease", "run"},
		{"transaction", "lease", "revision"},
		{"session", "advisory", "run"},
	} {
		t.Run(tc.pool+"/"+tc.lock+"/"+tc.mode, func(t *testing.T) {
			mode := tc.mode
			direct := pgtest.URL(t)
			url := pgtest.Bouncer(t, direct, tc.pool)
			var g errgroup.Group
			for i := range procs {
				g.Go(func() error {
					cmd := exec.CommandContext(t.Context(), bin, "--dir", dir, "--url", url, "--lock", tc.lock,
						"--tx-mode", mode, "--log-level", "warn", "upgrade", "head")
					if out, err := cmd.CombinedOutput(); err != nil {
						return fmt.Errorf("process %d: %v\n%s", i, err, out)
					}
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				t.Fatal(err)
			}
			var want [][]string
			for i := range revs {
				want = append(want, []string{fmt.Sprintf("r%03d", i), "1"})
			}
			if got := pgRows(t, direct, "SELECT rev, count(*) FROM run_log GROUP BY rev ORDER BY rev"); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("run_log (revision, runs) = %v, want each once: %v", got, want)
			}
			if got := pgRows(t, direct, "SELECT version_num FROM migrate_version"); len(got) != 1 || got[0][0] != fmt.Sprintf("r%03d", revs-1) {
				t.Errorf("version rows %v, want r%03d", got, revs-1)
			}
			if tc.lock == "lease" {
				if got := pgRows(t, direct, "SELECT count(*) FROM migrate_version_lock"); got[0][0] != "0" {
					t.Errorf("%s lease rows left behind", got[0][0])
				}
			}
		})
	}
}
