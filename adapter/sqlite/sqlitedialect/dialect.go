package sqlitedialect

import (
	"fmt"
	"strings"

	"github.com/retort-sql/retort/adapter"
)

// Dialect is the SQLite [adapter.Dialect]. The zero value is ready to use and
// needs no database. An [adapter.Ident]'s Schema is the name of an attached
// database; empty means main.
type Dialect struct{}

var (
	_ adapter.Dialect        = Dialect{}
	_ adapter.IdentValidator = Dialect{}
)

// Name returns "sqlite".
func (Dialect) Name() string { return "sqlite" }

// TransactionalDDL reports true: SQLite rolls back DDL with its transaction.
func (Dialect) TransactionalDDL() bool { return true }

// ValidateIdent rejects an empty table name and NUL bytes.
func (Dialect) ValidateIdent(t adapter.Ident) error {
	if t.Name == "" {
		return fmt.Errorf("sqlite: empty table name %q", t.String())
	}
	if strings.IndexByte(t.Schema, 0) >= 0 || strings.IndexByte(t.Name, 0) >= 0 {
		return fmt.Errorf("sqlite: table name %q contains a NUL byte", t.String())
	}
	return nil
}

// QuoteIdent quotes each part of t, doubling embedded double quotes.
func (Dialect) QuoteIdent(t adapter.Ident) string {
	if t.Schema == "" {
		return quote(t.Name)
	}
	return quote(t.Schema) + "." + quote(t.Name)
}

func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// CreateVersionTable returns one CREATE TABLE IF NOT EXISTS. An attached
// database must already be attached: SQLite has no CREATE SCHEMA.
func (d Dialect) CreateVersionTable(t adapter.Ident) []string {
	return []string{"CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(t) +
		" (version_num VARCHAR(255) NOT NULL PRIMARY KEY)"}
}

// VersionTableExists looks the table up in the sqlite_master of t's schema
// (main when empty) and yields 1 or 0.
func (d Dialect) VersionTableExists(t adapter.Ident) string {
	schema := t.Schema
	if schema == "" {
		schema = "main"
	}
	return "SELECT EXISTS (SELECT 1 FROM " + quote(schema) +
		".sqlite_master WHERE type = 'table' AND name = " + d.Literal(t.Name) + ")"
}

// SelectHeads returns the query for every version_num.
func (d Dialect) SelectHeads(t adapter.Ident) string {
	return "SELECT version_num FROM " + d.QuoteIdent(t)
}

// InsertHead returns an INSERT with one ? parameter.
func (d Dialect) InsertHead(t adapter.Ident) string {
	return "INSERT INTO " + d.QuoteIdent(t) + " (version_num) VALUES (?)"
}

// DeleteHead returns a DELETE with one ? parameter.
func (d Dialect) DeleteHead(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t) + " WHERE version_num = ?"
}

// UpdateHead returns an UPDATE setting the first parameter where the old
// value is the second.
func (d Dialect) UpdateHead(t adapter.Ident) string {
	return "UPDATE " + d.QuoteIdent(t) + " SET version_num = ? WHERE version_num = ?"
}

// Placeholder returns ?: SQLite binds ? parameters in order.
func (Dialect) Placeholder(int) string { return "?" }

// DeleteAllHeads returns a DELETE of every version row.
func (d Dialect) DeleteAllHeads(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t)
}

// CreateHistoryTable returns the history table's CREATE TABLE IF NOT
// EXISTS: an INTEGER PRIMARY KEY id, started_at as RFC 3339 TEXT, and
// empty defaults for db_user and application (SQLite has no sessions).
// The id is the rowid, one more than the largest so far, without
// AUTOINCREMENT: rows are never deleted, so ids still grow, and a revision
// in per-revision mode does not pay an update of sqlite_sequence (about a
// quarter of its bookkeeping). Tables created with AUTOINCREMENT keep it.
func (d Dialect) CreateHistoryTable(t adapter.Ident) string {
	return "CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(t) + ` (
	id INTEGER PRIMARY KEY,
	revision VARCHAR(255) NOT NULL,
	direction VARCHAR(10) NOT NULL,
	status VARCHAR(10) NOT NULL,
	checksum VARCHAR(64) NOT NULL DEFAULT '',
	statements_done INTEGER NOT NULL DEFAULT 0,
	statements_total INTEGER NOT NULL DEFAULT 0,
	started_at TEXT NOT NULL,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	db_user TEXT NOT NULL DEFAULT '',
	client_host TEXT NOT NULL DEFAULT '',
	application TEXT NOT NULL DEFAULT '',
	tool_version TEXT NOT NULL DEFAULT ''
)`
}

// SelectHistory returns started_at as stored: the engine writes RFC 3339
// text.
func (d Dialect) SelectHistory(t adapter.Ident) string {
	return "SELECT revision, direction, status, checksum, statements_done, statements_total, started_at, " +
		"duration_ms, db_user, client_host, application, tool_version FROM " + d.QuoteIdent(t)
}

// HistoryNow returns the current UTC time as RFC 3339 text with
// milliseconds, as the engine writes started_at.
func (Dialect) HistoryNow() string { return "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')" }

// Literal renders s as a string literal, doubling single quotes.
func (Dialect) Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

var _ adapter.MultiStatementExecer = Dialect{}

// MultiStatementExec reports true: an Exec without arguments runs through
// sqlite3_exec, which takes several statements.
func (Dialect) MultiStatementExec() bool { return true }
