package mysqltest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// throwaway is a MariaDB server in a temporary directory.
type throwaway struct {
	dir string
	cmd *exec.Cmd
	url string
}

// findTool looks for a server binary on PATH, then in /usr/sbin and
// /usr/bin (Debian installs mariadbd in /usr/sbin, off a user's PATH).
func findTool(names ...string) (string, error) {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		for _, d := range []string{"/usr/sbin", "/usr/bin"} {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("none of %v found on PATH, /usr/sbin or /usr/bin", names)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startThrowaway() (*throwaway, error) {
	install, err := findTool("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, err
	}
	daemon, err := findTool("mariadbd", "mysqld")
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "retort-mysqltest-")
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	var userArgs []string
	if os.Geteuid() == 0 {
		userArgs = []string{"--user=root"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, userArgs...)
	out, err := exec.CommandContext(ctx, install, args...).CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w: %s", filepath.Base(install), err, lastLines(out))
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	sock := filepath.Join(dir, "mysqld.sock")
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(daemon, append([]string{"--no-defaults", "--datadir=" + data,
		"--socket=" + sock, "--port=" + fmt.Sprint(port), "--bind-address=127.0.0.1",
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--skip-log-bin",
		"--innodb-flush-log-at-trx-commit=0", "--max-connections=400", "--log-error=" + logPath},
		userArgs...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The server dies with the test process, even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", filepath.Base(daemon), err)
	}
	s := &throwaway{dir: dir, cmd: cmd, url: fmt.Sprintf("mysql://root@127.0.0.1:%d/", port)}
	deadline := time.Now().Add(time.Minute)
	for {
		err := probe(s.url)
		if err == nil {
			return s, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			s.stop()
			return nil, fmt.Errorf("throwaway server started but not reachable: %w: %s", err, lastLines(log))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *throwaway) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(s.dir)
}
