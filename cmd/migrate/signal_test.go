package main_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSignalExitCodes runs the binary on a revision that takes many
// seconds and signals it: the run rolls back, the error names the
// revision, and the exit code is 128+signal.
func TestSignalExitCodes(t *testing.T) {
	bin := buildMigrate(t)
	for _, tt := range []struct {
		sig  syscall.Signal
		code int
		name string
	}{
		{syscall.SIGINT, 130, "SIGINT"},
		{syscall.SIGTERM, 143, "SIGTERM"},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			script := `-- migrate:revision 5107ab1e0001
-- migrate:message slow revision

-- migrate:upgrade
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c;

-- migrate:downgrade
`
			if err := os.MkdirAll(filepath.Join(dir, "migrations"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "migrations", "slow.sql"), []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "--url", "sqlite:slow.db", "--log-level", "warn", "upgrade")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "MIGRATE_URL=", "DATABASE_URL=")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(700 * time.Millisecond)
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10s after %v", tt.sig)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tt.code {
				t.Fatalf("wait: %v, want exit code %d; stderr:\n%s", err, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "5107ab1e0001") {
				t.Errorf("stderr does not name the interrupted revision:\n%s", stderr.String())
			}
			if !strings.Contains(stderr.String(), "interrupted by "+tt.name+": upgrade 5107ab1e0001") ||
				strings.Contains(stderr.String(), "context canceled") {
				t.Errorf("stderr does not say the run was interrupted by %s (and only that):\n%s", tt.name, stderr.String())
			}
		})
	}
}
