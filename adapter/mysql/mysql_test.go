package mysql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/adaptertest"
	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/internal/mysqltest"
)

func TestMain(m *testing.M) { mysqltest.Main(m) }

// slowSQL carries a marker so that the processlist checks count only this
// package's statements.
const slowSQL = "SELECT SLEEP(30) /* retort-mysql-slow */"

func openPool(t *testing.T) *mysql.Pool {
	t.Helper()
	u := mysqltest.URL(t)
	p, err := mysql.Open(t.Context(), mysqltest.DriverDSN(t, u))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestConformance(t *testing.T) {
	adaptertest.Run(t, func(t *testing.T) adapter.Pool { return openPool(t) },
		adaptertest.SlowStatement(slowSQL))
}

// running counts this database's sessions running the slow statement.
func running(t *testing.T, db *sql.DB, database string) int {
	t.Helper()
	var n int
	err := db.QueryRowContext(t.Context(),
		"SELECT COUNT(*) FROM information_schema.processlist WHERE db = ? AND info LIKE '%retort-mysql-slow%' AND id <> CONNECTION_ID()",
		database).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCancelKillsQueryOnServer cancels SLEEP(30) and checks that it is gone
// from the server's processlist, not only abandoned by the client, and that
// the connection still works.
func TestCancelKillsQueryOnServer(t *testing.T) {
	p := openPool(t)
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	var database string
	rows, err := c.Query(t.Context(), "SELECT DATABASE()")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		if err := rows.Scan(&database); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()

	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		deadline := time.Now().Add(5 * time.Second)
		for running(t, p.DB(), database) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	})
	start := time.Now()
	_, err = c.Exec(ctx, slowSQL)
	elapsed := time.Since(start)
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v does not wrap context.Canceled", err)
	}
	if elapsed > 5*time.Second+adaptertest.CancelBound {
		t.Fatalf("cancelled statement returned after %s", elapsed)
	}
	if n := running(t, p.DB(), database); n != 0 {
		t.Fatalf("%d slow statements still running on the server after cancel", n)
	}
	var broken *adapter.ConnBrokenError
	if errors.As(err, &broken) {
		t.Fatalf("KILL QUERY left the connection broken: %v", err)
	}
	// The same session goes on: the kill did not reach the next statement.
	for range 3 {
		if _, err := c.Exec(t.Context(), "DO 1"); err != nil {
			t.Fatalf("statement after a cancel: %v", err)
		}
	}
}

func TestLockReleasedAndReportsHolder(t *testing.T) {
	p := openPool(t)
	d := p.Dialect()
	vt := adapter.Ident{Name: "migrate_version"}
	c1, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Release()
	unlock, err := d.Lock(t.Context(), c1, vt)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Release()
	var mu sync.Mutex
	var holders []string
	ctx, cancel := context.WithTimeout(t.Context(), 5500*time.Millisecond)
	defer cancel()
	ctx = adapter.WithLockWait(ctx, func(holder string, _ time.Duration) {
		mu.Lock()
		holders = append(holders, holder)
		mu.Unlock()
	})
	if _, err := d.Lock(ctx, c2, vt); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock: %v, want a deadline", err)
	}
	mu.Lock()
	if len(holders) == 0 || !strings.Contains(holders[0], "connection ") || !strings.Contains(holders[0], "root@") {
		t.Errorf("wait report %q does not name the holding connection", holders)
	}
	mu.Unlock()
	if err := unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := unlock(context.Background()); err != nil {
		t.Fatalf("second unlock: %v", err)
	}
	unlock2, err := d.Lock(t.Context(), c2, vt)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	if err := unlock2(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A connection released while it holds the lock is closed, which frees
// the lock on the server instead of handing it to the next user.
func TestReleaseWithLockClosesSession(t *testing.T) {
	p := openPool(t)
	d := p.Dialect()
	vt := adapter.Ident{Name: "migrate_version"}
	c1, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lock(t.Context(), c1, vt); err != nil {
		t.Fatal(err)
	}
	c1.Release()
	c2, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	unlock, err := d.Lock(ctx, c2, vt)
	if err != nil {
		t.Fatalf("lock after the holder was released: %v", err)
	}
	if err := unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	_, err := mysql.Open(t.Context(), "root:s3cret-pw@tcp(127.0.0.1:1)/x?timeout=1s")
	if err == nil {
		t.Fatal("open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("error shows the password: %v", err)
	}
	_, err = mysql.Open(t.Context(), "root:s3cret-pw@tcp(127.0.0.1:3306)/x?badparam=%zz")
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("bad DSN: %v", err)
	}
}

func TestSchemaQualifiedVersionTableIsADatabase(t *testing.T) {
	p := openPool(t)
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	other := mysqltest.NewName()
	t.Cleanup(func() {
		_, _ = p.DB().ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+other+"`")
	})
	d := p.Dialect()
	vt := adapter.Ident{Schema: other, Name: "ver`sion"}
	for _, s := range d.CreateVersionTable(vt) {
		if _, err := c.Exec(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Exec(t.Context(), d.InsertHead(vt), "abc"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := p.DB().QueryRowContext(t.Context(), fmt.Sprintf(
		"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '%s' AND table_name = 'ver`sion'", other)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("version table not created in database %s", other)
	}
}
