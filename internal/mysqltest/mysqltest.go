package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retort-sql/retort/internal/dsn"
)

const (
	envURL       = "MIGRATE_TEST_MYSQL_URL"
	envNoDefault = "MIGRATE_TEST_MYSQL_NO_DEFAULT"
	defaultURL   = "mysql://root@127.0.0.1:3306/"
	probeTimeout = 2 * time.Second
)

// server is the process-wide discovery result.
var server struct {
	once sync.Once
	url  string // mysql:// URL of the server, no database
	err  error
	mu   sync.Mutex
	tmp  *throwaway
}

// Main runs the tests and then stops any throwaway server started for them.
// Use it from TestMain when the package needs no PostgreSQL:
//
//	func TestMain(m *testing.M) { mysqltest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop shuts down the throwaway server, if one was started. It is safe to
// call more than once.
func Stop() {
	server.mu.Lock()
	defer server.mu.Unlock()
	if server.tmp != nil {
		server.tmp.stop()
		server.tmp = nil
	}
}

// AdminURL returns the mysql:// URL of the server with no database,
// discovering the server on first use. It skips or fails t as the package
// documentation says when there is no server.
func AdminURL(t testing.TB) string {
	t.Helper()
	server.once.Do(discover)
	if server.err != nil {
		if inCI() {
			t.Fatalf("mysqltest: no MySQL server and CI is set: %v", server.err)
		}
		t.Skipf("mysqltest: no MySQL server: %v", server.err)
	}
	return server.url
}

// URL creates a database with a random name (retort_m_<hex>) for this test
// and returns its mysql:// URL. The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := NewName()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := adminExec(ctx, admin, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("mysqltest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dropDatabase(ctx, admin, name); err != nil {
			t.Errorf("mysqltest: drop database %s: %v", name, err)
		}
	})
	u, err := WithDatabase(admin, name)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	return u
}

// NewName returns a fresh random database name, retort_m_<16 hex>.
func NewName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "retort_m_" + hex.EncodeToString(b[:])
}

// DriverDSN returns the go-sql-driver/mysql DSN of a mysql:// URL.
func DriverDSN(t testing.TB, u string) string {
	t.Helper()
	s, err := driverDSN(u)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	return s
}

// DB opens a database/sql handle on a mysql:// URL and closes it when the
// test ends.
func DB(t testing.TB, u string) *sql.DB {
	t.Helper()
	db, err := openDB(u)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// WithDatabase returns the mysql:// URL raw with its database replaced by
// name.
func WithDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("server URL is not a URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func inCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

func driverDSN(u string) (string, error) {
	d, err := dsn.Parse(u)
	if err != nil {
		return "", err
	}
	return d.MySQLDriverDSN()
}

func openDB(u string) (*sql.DB, error) {
	s, err := driverDSN(u)
	if err != nil {
		return nil, err
	}
	cfg, err := mysql.ParseDSN(s)
	if err != nil {
		return nil, fmt.Errorf("parse DSN of %s: %w", dsn.Redact(u), err)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

func adminExec(ctx context.Context, admin, stmt string) error {
	db, err := openDB(admin)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// dropDatabase kills the sessions whose current database is name (a test
// that left a transaction open would hold metadata locks DROP DATABASE
// waits for), then drops it.
func dropDatabase(ctx context.Context, admin, name string) error {
	db, err := openDB(admin)
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx,
		"SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", name)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, id := range ids {
		// The session may have ended in between: ignore "unknown thread".
		_, _ = db.ExecContext(ctx, fmt.Sprintf("KILL %d", id))
	}
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`")
	return err
}

func probe(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	db, err := openDB(u)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.PingContext(ctx)
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
		errs = append(errs, fmt.Errorf("127.0.0.1:3306: %w", err))
	}
	s, err := startThrowaway()
	if err != nil {
		server.err = errors.Join(append(errs, fmt.Errorf("throwaway server: %w", err))...)
		return
	}
	server.mu.Lock()
	server.tmp = s
	server.mu.Unlock()
	server.url = s.url
}

// lastLines returns the last few lines of b, for error messages.
func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
