package mysqltest

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestURLGivesFreshDatabaseDroppedAtCleanup(t *testing.T) {
	ctx := t.Context()
	var name string
	t.Run("use", func(t *testing.T) {
		u := URL(t)
		parsed, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		name = strings.TrimPrefix(parsed.Path, "/")
		if !strings.HasPrefix(name, "retort_m_") {
			t.Fatalf("database name %q lacks the retort_m_ prefix", name)
		}
		db := DB(t, u)
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("fresh database has %d tables", n)
		}
		// A session left inside a transaction holds a metadata lock that
		// DROP DATABASE would wait for: the cleanup kills it first.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close() })
		for _, s := range []string{"CREATE TABLE t (id int)", "BEGIN", "INSERT INTO t VALUES (1)"} {
			if _, err := conn.ExecContext(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
	})
	if name == "" {
		t.Fatal("subtest gave no database")
	}
	db := DB(t, AdminURL(t))
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("database %s still exists after cleanup", name)
	}
}

// TestThrowawayServer starts a private mariadbd as a fresh machine without
// a server on 3306 would, and runs a statement on it.
func TestThrowawayServer(t *testing.T) {
	if _, err := findTool("mariadbd", "mysqld"); err != nil {
		if inCI() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := startThrowaway()
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	if strings.Contains(s.url, ":3306/") {
		t.Fatalf("throwaway server on the default port: %s", s.url)
	}
	db, err := openDB(s.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(context.Background(), "SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v == "" {
		t.Fatal("empty server version")
	}
	t.Logf("throwaway server %s", v)
}
