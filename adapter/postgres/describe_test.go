package postgres_test

import (
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter/postgres"
)

func TestDescribe(t *testing.T) {
	t.Setenv("PGHOST", "db.internal")
	t.Setenv("PGPORT", "6543")
	t.Setenv("PGUSER", "app")
	t.Setenv("PGDATABASE", "shop")
	t.Setenv("PGPASSWORD", "s3cret")
	for _, tc := range []struct{ in, want string }{
		{"postgres://", "postgres://app@db.internal:6543/shop"},
		{"postgres://other@h:5432/d", "postgres://other@h:5432/d"},
		{"postgres://u:pw@h/d", "postgres://u@h:6543/d"},
		{"host=/var/run/postgresql dbname=x", "postgres://app@/x?host=%2Fvar%2Frun%2Fpostgresql&port=6543"},
	} {
		got, err := postgres.Describe(tc.in)
		if err != nil || got != tc.want || strings.Contains(got, "s3cret") || strings.Contains(got, "pw") {
			t.Errorf("Describe(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
