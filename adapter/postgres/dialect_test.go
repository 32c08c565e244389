package postgres_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
)

func TestQuoteIdent(t *testing.T) {
	tests := []struct {
		name string
		in   adapter.Ident
		want string
	}{
		{"plain", adapter.Ident{Name: "migrate_version"}, `"migrate_version"`},
		{"schema", adapter.Ident{Schema: "myschema", Name: "migrate_version"}, `"myschema"."migrate_version"`},
		{"quote doubled", adapter.Ident{Schema: `a"b`, Name: `c"d`}, `"a""b"."c""d"`},
		{"case kept", adapter.Ident{Name: "Mixed"}, `"Mixed"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (postgres.Dialect{}).QuoteIdent(tt.in); got != tt.want {
				t.Fatalf("QuoteIdent(%v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidateIdent(t *testing.T) {
	tests := []struct {
		name    string
		in      adapter.Ident
		wantErr string
	}{
		{"ok", adapter.Ident{Schema: "s", Name: "t"}, ""},
		{"63 bytes ok", adapter.Ident{Name: strings.Repeat("a", 63)}, ""},
		{"empty name", adapter.Ident{Schema: "s"}, "empty table name"},
		{"nul", adapter.Ident{Name: "a\x00b"}, "NUL"},
		{"nul in schema", adapter.Ident{Schema: "a\x00", Name: "b"}, "NUL"},
		{"too long", adapter.Ident{Name: strings.Repeat("a", 64)}, "longer than 63 bytes"},
		{"schema too long", adapter.Ident{Schema: strings.Repeat("s", 64), Name: "t"}, "longer than 63 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := postgres.Dialect{}.ValidateIdent(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDialectSQL(t *testing.T) {
	d := postgres.Dialect{}
	vt := adapter.Ident{Schema: "app", Name: "migrate_version"}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"create", d.CreateVersionTable(vt), []string{
			`CREATE SCHEMA IF NOT EXISTS "app"`,
			`CREATE TABLE IF NOT EXISTS "app"."migrate_version" (version_num VARCHAR(255) NOT NULL, CONSTRAINT "migrate_version_pkc" PRIMARY KEY (version_num))`,
		}},
		{"create unqualified", d.CreateVersionTable(adapter.Ident{Name: "v"}), []string{
			`CREATE TABLE IF NOT EXISTS "v" (version_num VARCHAR(255) NOT NULL, CONSTRAINT "v_pkc" PRIMARY KEY (version_num))`,
		}},
		{"exists", []string{d.VersionTableExists(vt)}, []string{`SELECT to_regclass('"app"."migrate_version"') IS NOT NULL`}},
		{"select", []string{d.SelectHeads(vt)}, []string{`SELECT version_num FROM "app"."migrate_version"`}},
		{"insert", []string{d.InsertHead(vt)}, []string{`INSERT INTO "app"."migrate_version" (version_num) VALUES ($1)`}},
		{"delete", []string{d.DeleteHead(vt)}, []string{`DELETE FROM "app"."migrate_version" WHERE version_num = $1`}},
		{"update", []string{d.UpdateHead(vt)}, []string{`UPDATE "app"."migrate_version" SET version_num = $1 WHERE version_num = $2`}},
		{"purge", []string{d.DeleteAllHeads(vt)}, []string{`DELETE FROM "app"."migrate_version"`}},
		{"placeholder", []string{d.Placeholder(2)}, []string{`$2`}},
		{"select history", []string{d.SelectHistory(adapter.Ident{Name: "h"})}, []string{
			`SELECT revision, direction, status, checksum, statements_done, statements_total, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), duration_ms, db_user, client_host, application, tool_version FROM "h"`,
		}},
		{"literal", []string{d.Literal(`it's \n`)}, []string{`'it''s \n'`}},
		{"name", []string{d.Name()}, []string{"postgres"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Fatalf("got\n%q\nwant\n%q", tt.got, tt.want)
			}
		})
	}
}

func TestLockKeyDependsOnSchema(t *testing.T) {
	a := postgres.LockKey(adapter.Ident{Schema: "a", Name: "migrate_version"})
	b := postgres.LockKey(adapter.Ident{Schema: "b", Name: "migrate_version"})
	if a == b {
		t.Fatal("two schemas share a lock key")
	}
	if a != postgres.LockKey(adapter.Ident{Schema: "a", Name: "migrate_version"}) {
		t.Fatal("lock key is not stable")
	}
}

func TestIsSystemSchema(t *testing.T) {
	for _, tc := range []struct {
		schema string
		want   bool
	}{
		{"pg_catalog", true},
		{"information_schema", true},
		{"pg_toast", true},
		{"pg_temp_3", true},
		{"pg_toast_temp_3", true},
		{"PG_CATALOG", false},
		{"public", false},
		{"tenant_pg_1", false},
		{"pgx", false},
		{"informationschema", false},
	} {
		if got := postgres.IsSystemSchema(tc.schema); got != tc.want {
			t.Errorf("IsSystemSchema(%q) = %v, want %v", tc.schema, got, tc.want)
		}
	}
}
