package pgdialect

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/retort-sql/retort/adapter"
)

// maxIdentLen is PostgreSQL's NAMEDATALEN-1: longer names are truncated by
// the server.
const maxIdentLen = 63

// Dialect is the PostgreSQL [adapter.Dialect]. The zero value is ready to use
// and needs no database, so offline mode can render PostgreSQL SQL.
type Dialect struct{}

var (
	_ adapter.Dialect        = Dialect{}
	_ adapter.IdentValidator = Dialect{}
)

// Name returns "postgres".
func (Dialect) Name() string { return "postgres" }

// TransactionalDDL reports true: PostgreSQL rolls back DDL with its
// transaction.
func (Dialect) TransactionalDDL() bool { return true }

// ValidateIdent rejects an empty table name, a schema or name containing a
// NUL byte, and parts longer than 63 bytes.
func (Dialect) ValidateIdent(t adapter.Ident) error {
	if t.Name == "" {
		return fmt.Errorf("postgres: empty table name %q", t.String())
	}
	for _, part := range []string{t.Schema, t.Name} {
		if strings.IndexByte(part, 0) >= 0 {
			return fmt.Errorf("postgres: table name %q contains a NUL byte", t.String())
		}
		if len(part) > maxIdentLen {
			return fmt.Errorf("postgres: name %q is longer than %d bytes", part, maxIdentLen)
		}
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

// CreateVersionTable returns CREATE SCHEMA IF NOT EXISTS (when t has a
// schema) and CREATE TABLE IF NOT EXISTS, with Alembic's column and primary
// key names.
func (d Dialect) CreateVersionTable(t adapter.Ident) []string {
	var stmts []string
	if t.Schema != "" {
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+quote(t.Schema))
	}
	return append(stmts, "CREATE TABLE IF NOT EXISTS "+d.QuoteIdent(t)+
		" (version_num VARCHAR(255) NOT NULL, CONSTRAINT "+quote(t.Name+"_pkc")+
		" PRIMARY KEY (version_num))")
}

// VersionTableExists uses to_regclass, which follows search_path for an
// unqualified name, as every other statement does.
func (d Dialect) VersionTableExists(t adapter.Ident) string {
	return "SELECT to_regclass(" + d.Literal(d.QuoteIdent(t)) + ") IS NOT NULL"
}

// SelectHeads returns the query for every version_num.
func (d Dialect) SelectHeads(t adapter.Ident) string {
	return "SELECT version_num FROM " + d.QuoteIdent(t)
}

// InsertHead returns an INSERT with $1.
func (d Dialect) InsertHead(t adapter.Ident) string {
	return "INSERT INTO " + d.QuoteIdent(t) + " (version_num) VALUES ($1)"
}

// DeleteHead returns a DELETE with $1.
func (d Dialect) DeleteHead(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t) + " WHERE version_num = $1"
}

// UpdateHead returns an UPDATE setting $1 where the old value is $2.
func (d Dialect) UpdateHead(t adapter.Ident) string {
	return "UPDATE " + d.QuoteIdent(t) + " SET version_num = $1 WHERE version_num = $2"
}

// Placeholder returns $n.
func (Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// DeleteAllHeads returns a DELETE of every version row.
func (d Dialect) DeleteAllHeads(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t)
}

// CreateHistoryTable returns the history table's CREATE TABLE IF NOT
// EXISTS: a BIGSERIAL id, a TIMESTAMPTZ started_at, and db_user and
// application defaulting to current_user and application_name.
func (d Dialect) CreateHistoryTable(t adapter.Ident) string {
	return "CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(t) + ` (
	id BIGSERIAL PRIMARY KEY,
	revision VARCHAR(255) NOT NULL,
	direction VARCHAR(10) NOT NULL,
	status VARCHAR(10) NOT NULL,
	checksum VARCHAR(64) NOT NULL DEFAULT '',
	statements_done INTEGER NOT NULL DEFAULT 0,
	statements_total INTEGER NOT NULL DEFAULT 0,
	started_at TIMESTAMPTZ NOT NULL,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	db_user TEXT NOT NULL DEFAULT current_user,
	client_host TEXT NOT NULL DEFAULT '',
	application TEXT NOT NULL DEFAULT current_setting('application_name'),
	tool_version TEXT NOT NULL DEFAULT ''
)`
}

// SelectHistory renders started_at in UTC with microseconds.
func (d Dialect) SelectHistory(t adapter.Ident) string {
	return "SELECT revision, direction, status, checksum, statements_done, statements_total, " +
		"to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " +
		"duration_ms, db_user, client_host, application, tool_version FROM " + d.QuoteIdent(t)
}

// HistoryNow returns now().
func (Dialect) HistoryNow() string { return "now()" }

// Literal renders s as a standard string literal, doubling single quotes
// (backslashes are literal under standard_conforming_strings, on by default
// since PostgreSQL 9.1).
func (Dialect) Literal(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
