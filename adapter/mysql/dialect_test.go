package mysql_test

import (
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql"
)

func TestValidateIdent(t *testing.T) {
	d := mysql.Dialect{}
	tests := []struct {
		name string
		id   adapter.Ident
		err  string
	}{
		{"plain", adapter.Ident{Name: "migrate_version"}, ""},
		{"qualified", adapter.Ident{Schema: "app", Name: "v"}, ""},
		{"backtick", adapter.Ident{Name: "a`b"}, ""},
		{"64 runes", adapter.Ident{Name: strings.Repeat("é", 64)}, ""},
		{"empty", adapter.Ident{}, "empty table name"},
		{"nul", adapter.Ident{Name: "a\x00"}, "NUL"},
		{"trailing space", adapter.Ident{Schema: "db ", Name: "v"}, "ends with a space"},
		{"65 chars", adapter.Ident{Name: strings.Repeat("a", 65)}, "longer than 64"},
		{"bad utf8", adapter.Ident{Name: "\xff"}, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.ValidateIdent(tt.id)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("got %v, want an error containing %q", err, tt.err)
			}
		})
	}
}

func TestDialectSQL(t *testing.T) {
	d := mysql.Dialect{}
	tests := []struct{ got, want string }{
		{d.QuoteIdent(adapter.Ident{Schema: "app", Name: "a`b"}), "`app`.`a``b`"},
		{d.InsertHead(adapter.Ident{Name: "v"}), "INSERT INTO `v` (version_num) VALUES (?)"},
		{d.UpdateHead(adapter.Ident{Name: "v"}), "UPDATE `v` SET version_num = ? WHERE version_num = ?"},
		{d.Literal("it's"), "'it''s'"},
		{d.Literal(`a\b`), "_utf8mb4 X'615c62'"},
		{d.Placeholder(3), "?"},
		{strings.Join(d.CreateVersionTable(adapter.Ident{Schema: "s", Name: "v"}), "; "),
			"CREATE DATABASE IF NOT EXISTS `s`; CREATE TABLE IF NOT EXISTS `s`.`v` (version_num VARCHAR(255) NOT NULL, CONSTRAINT `v_pkc` PRIMARY KEY (version_num))"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
	if d.TransactionalDDL() {
		t.Error("MySQL dialect reports transactional DDL")
	}
	if n := mysql.LockName(adapter.Ident{Schema: strings.Repeat("d", 64), Name: strings.Repeat("t", 64)}); len(n) > 64 {
		t.Errorf("lock name %q longer than 64", n)
	}
}
