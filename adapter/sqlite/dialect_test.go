package sqlite_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqlite"
)

func TestDialectSQL(t *testing.T) {
	d := sqlite.Dialect{}
	vt := adapter.Ident{Name: "migrate_version"}
	other := adapter.Ident{Schema: "aux", Name: `we"ird`}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"create", d.CreateVersionTable(vt), []string{
			`CREATE TABLE IF NOT EXISTS "migrate_version" (version_num VARCHAR(255) NOT NULL PRIMARY KEY)`,
		}},
		{"quote", []string{d.QuoteIdent(other)}, []string{`"aux"."we""ird"`}},
		{"exists", []string{d.VersionTableExists(vt)}, []string{
			`SELECT EXISTS (SELECT 1 FROM "main".sqlite_master WHERE type = 'table' AND name = 'migrate_version')`,
		}},
		{"exists attached", []string{d.VersionTableExists(other)}, []string{
			`SELECT EXISTS (SELECT 1 FROM "aux".sqlite_master WHERE type = 'table' AND name = 'we"ird')`,
		}},
		{"select", []string{d.SelectHeads(vt)}, []string{`SELECT version_num FROM "migrate_version"`}},
		{"insert", []string{d.InsertHead(vt)}, []string{`INSERT INTO "migrate_version" (version_num) VALUES (?)`}},
		{"delete", []string{d.DeleteHead(vt)}, []string{`DELETE FROM "migrate_version" WHERE version_num = ?`}},
		{"update", []string{d.UpdateHead(vt)}, []string{`UPDATE "migrate_version" SET version_num = ? WHERE version_num = ?`}},
		{"purge", []string{d.DeleteAllHeads(vt)}, []string{`DELETE FROM "migrate_version"`}},
		{"placeholder", []string{d.Placeholder(2)}, []string{`?`}},
		{"select history", []string{d.SelectHistory(adapter.Ident{Name: "h"})}, []string{
			`SELECT revision, direction, status, checksum, statements_done, statements_total, started_at, duration_ms, db_user, client_host, application, tool_version FROM "h"`,
		}},
		{"literal", []string{d.Literal("it's")}, []string{`'it''s'`}},
		{"name", []string{d.Name()}, []string{"sqlite"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Fatalf("got\n%q\nwant\n%q", tt.got, tt.want)
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
		{"ok", adapter.Ident{Name: "t"}, ""},
		{"attached", adapter.Ident{Schema: "aux", Name: "t"}, ""},
		{"empty", adapter.Ident{}, "empty table name"},
		{"nul", adapter.Ident{Name: "a\x00"}, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sqlite.Dialect{}.ValidateIdent(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
