package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bouncer starts a PgBouncer of the test's own in front of the server of
// dbURL (a URL from [URL]), in poolMode ("transaction", "session" or
// "statement"), listening on a free port of 127.0.0.1, and returns dbURL
// with its host and port replaced by PgBouncer's. Its configuration lives in
// a temporary directory; it accepts any client (auth_type = any) and logs in
// to the server as dbURL's user. The PgBouncer stops when the test ends.
//
// When no pgbouncer binary is found (on PATH or as /usr/sbin/pgbouncer), the
// test is skipped, or fails when the CI environment variable is set. When
// the process runs as root, PgBouncer runs as the user nobody.
func Bouncer(t testing.TB, dbURL, poolMode string) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if st, serr := os.Stat("/usr/sbin/pgbouncer"); serr == nil && st.Mode()&0o111 != 0 {
			bin, err = "/usr/sbin/pgbouncer", nil
		}
	}
	if err != nil {
		if inCI() {
			t.Fatalf("pgtest: pgbouncer not found and CI is set: %v", err)
		}
		t.Skipf("pgtest: pgbouncer not found: %v", err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal("pgtest: database URL is not a URL")
	}
	var lastErr error
	// A port found free may be taken before PgBouncer binds it: try again.
	for range 3 {
		var b *bouncer
		b, lastErr = startBouncer(bin, u, poolMode)
		if lastErr == nil {
			t.Cleanup(b.stop)
			bu := *u
			bu.Host = "127.0.0.1:" + strconv.Itoa(b.port)
			return bu.String()
		}
	}
	t.Fatalf("pgtest: start pgbouncer: %v", lastErr)
	return ""
}

type bouncer struct {
	dir  string
	port int
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startBouncer(bin string, server *url.URL, poolMode string) (*bouncer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "retort-pgbouncer-")
	if err != nil {
		return nil, err
	}
	// Readable by nobody, whom PgBouncer runs as under root.
	if err := os.Chmod(dir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	host, sport := server.Hostname(), server.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if sport == "" {
		sport = "5432"
	}
	conn := "host=" + host + " port=" + sport
	if user := server.User.Username(); user != "" {
		conn += " user=" + user
		if pw, ok := server.User.Password(); ok {
			conn += " password=" + pw
		}
	}
	ini := "[databases]\n* = " + conn + "\n\n[pgbouncer]\n" +
		"listen_addr = 127.0.0.1\n" +
		"listen_port = " + strconv.Itoa(port) + "\n" +
		"unix_socket_dir =\n" +
		"auth_type = any\n" +
		"pool_mode = " + poolMode + "\n" +
		"max_client_conn = 200\n" +
		"default_pool_size = 4\n" +
		"ignore_startup_parameters = extra_float_digits\n"
	cfg := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(cfg, []byte(ini), 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	args := []string{cfg}
	if os.Geteuid() == 0 {
		args = []string{"-u", "nobody", cfg}
	}
	b := &bouncer{dir: dir, port: port, out: &lockedBuffer{}, done: make(chan struct{})}
	b.cmd = exec.Command(bin, args...)
	b.cmd.Stdout, b.cmd.Stderr = b.out, b.out
	if err := b.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		_ = b.cmd.Wait()
		close(b.done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-b.done:
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("pgbouncer exited: %s", lastLines([]byte(b.out.String())))
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			_ = c.Close()
			return b, nil
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("pgbouncer not listening after 10 s: %s", strings.TrimSpace(b.out.String()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the PgBouncer (SIGTERM, then SIGKILL after 5 s) and removes its
// directory.
func (b *bouncer) stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	select {
	case <-b.done:
	case <-ctx.Done():
		_ = b.cmd.Process.Kill()
		<-b.done
	}
	_ = os.RemoveAll(b.dir)
}
