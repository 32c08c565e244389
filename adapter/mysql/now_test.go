package mysql_test

import (
	"testing"
	"time"

	"github.com/retort-sql/retort/adapter/mysql/mysqldialect"
)

// TestNowSQLIsRFC3339: the clock an offline script records reads back as
// the RFC 3339 text the engine stores online.
func TestNowSQLIsRFC3339(t *testing.T) {
	p := openPool(t)
	c, err := p.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	rows, err := c.Query(t.Context(), "SELECT "+mysqldialect.Dialect{}.NowSQL())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var s string
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(&s); err != nil {
		t.Fatal(err)
	}
	got, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || time.Until(got).Abs() > time.Minute {
		t.Fatalf("NowSQL gave %q (%v), want RFC 3339 near now", s, err)
	}
}
