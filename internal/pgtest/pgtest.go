package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	envURL       = "MIGRATE_TEST_POSTGRES_URL"
	envNoDefault = "MIGRATE_TEST_POSTGRES_NO_DEFAULT"
	defaultURL   = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	probeTimeout = 2 * time.Second
)

// server is the process-wide discovery result.
var server struct {
	once    sync.Once
	url     string
	err     error
	cluster *cluster
	mu      sync.Mutex
}

// Main runs the tests and then stops any throwaway cluster started for
// them, and calls each of stops (such as mysqltest.Stop). Use it from
// TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M, stops ...func()) {
	code := m.Run()
	stop()
	for _, s := range stops {
		s()
	}
	os.Exit(code)
}

func stop() {
	server.mu.Lock()
	defer server.mu.Unlock()
	if server.cluster != nil {
		server.cluster.stop()
		server.cluster = nil
	}
}

// AdminURL returns the URL of the server's maintenance database (postgres),
// discovering the server on first use. It skips or fails t as the package
// documentation says when there is no server.
func AdminURL(t testing.TB) string {
	t.Helper()
	server.once.Do(discover)
	if server.err != nil {
		if inCI() {
			t.Fatalf("pgtest: no PostgreSQL server and CI is set: %v", server.err)
		}
		t.Skipf("pgtest: no PostgreSQL server: %v", server.err)
	}
	return server.url
}

// URL creates a database with a random name (retort_t_<hex>) for this test
// and returns its URL. The database is dropped, with WITH (FORCE), when the
// test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "retort_t_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

func adminExec(ctx context.Context, admin, sql string) error {
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	_, err = c.Exec(ctx, sql)
	return err
}

// withDatabase returns raw with its database replaced by name.
func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("server URL is not a URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func discover() {
	if u := os.Getenv(envURL); u != "" {
		if err := probe(u); err != nil {
			server.err = fmt.Errorf("%s: %w", envURL, err)
			return
		}
		server.url = u
		return
	}
	var errs []error
	if os.Getenv(envNoDefault) == "" {
		err := probe(defaultURL)
		if err == nil {
			server.url = defaultURL
			return
		}
		errs = append(errs, fmt.Errorf("127.0.0.1:5432: %w", err))
	}
	c, err := startCluster()
	if err != nil {
		server.err = errors.Join(append(errs, fmt.Errorf("throwaway cluster: %w", err))...)
		return
	}
	server.mu.Lock()
	server.cluster = c
	server.mu.Unlock()
	server.url = c.url
}

func probe(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	return c.Ping(ctx)
}
