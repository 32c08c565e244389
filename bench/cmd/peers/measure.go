package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// sample is one measured run.
type sample struct {
	elapsed time.Duration // the work, as timed inside the child (whole process for a CLI)
	cpu     time.Duration // user + system time of the process
	maxRSS  int64         // peak resident set, bytes
}

// runChild runs j in a child process of this program and returns its
// timing and resource use.
func runChild(ctx context.Context, self string, j *job) (sample, error) {
	spec, err := jobSpec(j)
	if err != nil {
		return sample{}, err
	}
	if len(spec) > maxSpecArg {
		// A fleet's target list can exceed the kernel's limit on one
		// argument: pass it in a file instead.
		f, err := os.CreateTemp("", "peers-job-")
		if err != nil {
			return sample{}, err
		}
		defer os.Remove(f.Name())
		_, err = f.WriteString(spec)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return sample{}, err
		}
		spec = "@" + f.Name()
	}
	cmd := exec.CommandContext(ctx, self, childFlag, spec)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s %s %s: %w: %s", j.Tool, j.DB, j.Op, err, strings.TrimSpace(errb.String()))
	}
	s := sample{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	line := strings.TrimSpace(out.String())
	var ns, kb int64
	if _, err := fmt.Sscanf(line, childResultFlag+"=%d "+childHWMFlag+"=%d", &ns, &kb); err != nil {
		return sample{}, fmt.Errorf("%s: unexpected child output %q", j.Tool, line)
	}
	s.elapsed, s.maxRSS = time.Duration(ns), kb*1024
	return s, nil
}

// maxSpecArg bounds a job spec passed as an argument (Linux limits one
// argument to 128 KiB); a longer one goes through a file, "@path".
const maxSpecArg = 64 << 10

// jobSpec is j as the argument of a child process.
func jobSpec(j *job) (string, error) {
	b, err := json.Marshal(j)
	return string(b), err
}

// timeBin measures a whole process's peak memory; its CPU time is the
// wrapper's rusage, which includes the child it waited for. Go starts children with
// CLONE_VM, so the maxrss that wait4 reports for a direct child starts at
// this program's own resident set; /usr/bin/time forks, and the maxrss it
// reports for its child is the child's alone.
const timeBin = "/usr/bin/time"

// runProcess runs a command (the CLI) and times the whole process, through
// /usr/bin/time when the machine has it (which adds its own start-up, about
// a millisecond, to the time).
func runProcess(ctx context.Context, tmp, name string, args ...string) (sample, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	report := ""
	if _, err := os.Stat(timeBin); err == nil {
		f, err := os.CreateTemp(tmp, "rusage-")
		if err != nil {
			return sample{}, err
		}
		report = f.Name()
		f.Close()
		defer os.Remove(report)
		cmd = exec.CommandContext(ctx, timeBin, append([]string{"-f", "%M", "-o", report, name}, args...)...)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	s := sample{elapsed: elapsed, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if report != "" {
		b, err := os.ReadFile(report)
		if err != nil {
			return sample{}, err
		}
		var kb int64
		if _, err := fmt.Sscanf(string(b), "%d", &kb); err != nil {
			return sample{}, fmt.Errorf("%s: unexpected report %q", timeBin, b)
		}
		s.maxRSS = kb * 1024
	}
	return s, nil
}

// pgServer creates and drops scratch databases on one server.
type pgServer struct {
	admin string
}

// create makes an empty database and returns its URL.
func (p *pgServer) create(ctx context.Context) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "retort_bench_" + hex.EncodeToString(b[:])
	if err := p.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(p.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (p *pgServer) drop(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if err := p.exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop scratch database %s: %w", name, err)
	}
	return nil
}

func (p *pgServer) exec(ctx context.Context, sqls ...string) error {
	return execOn(ctx, p.admin, sqls...)
}

func execOn(ctx context.Context, dbURL string, sqls ...string) error {
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	for _, s := range sqls {
		if _, err := c.Exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// settings returns the server's version and the settings that bear on
// commit cost.
func (p *pgServer) settings(ctx context.Context) (string, error) {
	c, err := pgx.Connect(ctx, p.admin)
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	var version string
	if err := c.QueryRow(ctx, "SHOW server_version").Scan(&version); err != nil {
		return "", err
	}
	rows, err := c.Query(ctx, `SELECT name, current_setting(name) FROM pg_settings
		WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method', 'shared_buffers', 'max_connections')
		ORDER BY name`)
	if err != nil {
		return "", err
	}
	parts := []string{"PostgreSQL " + version}
	for rows.Next() {
		var n, v string
		if err := rows.Scan(&n, &v); err != nil {
			return "", err
		}
		parts = append(parts, n+"="+v)
	}
	return strings.Join(parts, ", "), rows.Err()
}
