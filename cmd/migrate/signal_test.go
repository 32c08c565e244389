package main_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retort-sql/retort/internal/mysqltest"
)

// signalMarker tags MySQL's slow statement, so that the processlist checks
// count only this test's sessions.
const signalMarker = "retort_signal_probe"

// TestSignalExitCodes runs the binary on a revision that takes many
// seconds and signals it: the run stops, the error names the revision, and
// the exit code is 128+signal. On MySQL the slow statement is SELECT
// SLEEP(30): the process must exit within a second of the signal and leave
// no statement running on the server.
func TestSignalExitCodes(t *testing.T) {
	bin := buildMigrate(t)
	type database struct {
		name, url, slow string
		// started waits until the slow statement runs; gone reports
		// whether it has left the server.
		started func(t *testing.T)
		gone    func(t *testing.T) bool
	}
	sqliteDB := func(t *testing.T) database {
		return database{
			name: "sqlite", url: "sqlite:slow.db",
			slow:    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c",
			started: func(*testing.T) { time.Sleep(700 * time.Millisecond) },
			gone:    func(*testing.T) bool { return true },
		}
	}
	mysqlDB := func(t *testing.T) database {
		u := mysqltest.URL(t)
		db := mysqltest.DB(t, u)
		count := func(t *testing.T) int {
			var n int
			if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE ? AND id <> CONNECTION_ID()", "%"+signalMarker+"%").Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
				t.Fatal(err)
			}
			return n
		}
		return database{
			name: "mysql", url: u, slow: "SELECT SLEEP(30) AS " + signalMarker,
			started: func(t *testing.T) {
				for deadline := time.Now().Add(10 * time.Second); count(t) == 0; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the slow statement never started")
					}
				}
			},
			gone: func(t *testing.T) bool { return count(t) == 0 },
		}
	}
	for _, d := range []struct {
		name string
		mk   func(*testing.T) database
	}{{"sqlite", sqliteDB}, {"mysql", mysqlDB}} {
		for _, tt := range []struct {
			sig  syscall.Signal
			code int
			name string
		}{
			{syscall.SIGINT, 130, "SIGINT"},
			{syscall.SIGTERM, 143, "SIGTERM"},
		} {
			t.Run(d.name+"/"+tt.sig.String(), func(t *testing.T) {
				db := d.mk(t)
				dir := t.TempDir()
				script := "-- migrate:revision 5107ab1e0001\n-- migrate:message slow revision\n\n-- migrate:upgrade\n" +
					db.slow + ";\n\n-- migrate:downgrade\n"
				if err := os.MkdirAll(filepath.Join(dir, "migrations"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "migrations", "slow.sql"), []byte(script), 0o644); err != nil {
					t.Fatal(err)
				}
				cmd := exec.Command(bin, "--url", db.url, "--log-level", "warn", "upgrade")
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "MIGRATE_URL=", "DATABASE_URL=")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				db.started(t)
				if err := cmd.Process.Signal(tt.sig); err != nil {
					t.Fatal(err)
				}
				sent := time.Now()
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					_ = cmd.Process.Kill()
					t.Fatalf("still running 10s after %v", tt.sig)
				}
				if db.name == "mysql" {
					if took := time.Since(sent); took > time.Second {
						t.Errorf("exited %v after %v, want within a second", took, tt.sig)
					}
					if !db.gone(t) {
						t.Error("the slow statement still runs on the server after the process exited")
					}
				}
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != tt.code {
					t.Fatalf("wait: %v, want exit code %d; stderr:\n%s", err, tt.code, stderr.String())
				}
				if !strings.Contains(stderr.String(), "5107ab1e0001") {
					t.Errorf("stderr does not name the interrupted revision:\n%s", stderr.String())
				}
				if !strings.Contains(stderr.String(), "interrupted by "+tt.name+": upgrade 5107ab1e0001") ||
					(db.name != "mysql" && strings.Contains(stderr.String(), "context canceled")) {
					t.Errorf("stderr does not say the run was interrupted by %s (and only that):\n%s", tt.name, stderr.String())
				}
			})
		}
	}
}
