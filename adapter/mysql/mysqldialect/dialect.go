package mysqldialect

import (
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/retort-sql/retort/adapter"
)

// maxIdentLen is MySQL's limit on database and table names, in characters.
const maxIdentLen = 64

// Dialect is the MySQL and MariaDB [adapter.Dialect]. The zero value is
// ready to use and needs no database, so offline mode can render MySQL SQL.
// An [adapter.Ident]'s Schema is a database on the same server; empty means
// the connection's current database.
type Dialect struct{}

var (
	_ adapter.Dialect        = Dialect{}
	_ adapter.IdentValidator = Dialect{}
)

// Name returns "mysql".
func (Dialect) Name() string { return "mysql" }

// TransactionalDDL reports false: MySQL and MariaDB commit implicitly at
// every DDL statement.
func (Dialect) TransactionalDDL() bool { return false }

// Placeholder returns "?".
func (Dialect) Placeholder(int) string { return "?" }

// ValidateIdent rejects an empty table name, NUL bytes, names that end with
// a space (MySQL refuses them), invalid UTF-8 and parts longer than 64
// characters.
func (Dialect) ValidateIdent(t adapter.Ident) error {
	if t.Name == "" {
		return fmt.Errorf("mysql: empty table name %q", t.String())
	}
	for _, part := range []string{t.Schema, t.Name} {
		switch {
		case strings.IndexByte(part, 0) >= 0:
			return fmt.Errorf("mysql: table name %q contains a NUL byte", t.String())
		case !utf8.ValidString(part):
			return fmt.Errorf("mysql: table name %q is not valid UTF-8", t.String())
		case strings.HasSuffix(part, " "):
			return fmt.Errorf("mysql: name %q ends with a space", part)
		case utf8.RuneCountInString(part) > maxIdentLen:
			return fmt.Errorf("mysql: name %q is longer than %d characters", part, maxIdentLen)
		}
	}
	return nil
}

// QuoteIdent quotes each part of t with backticks, doubling embedded
// backticks.
func (Dialect) QuoteIdent(t adapter.Ident) string {
	if t.Schema == "" {
		return quote(t.Name)
	}
	return quote(t.Schema) + "." + quote(t.Name)
}

func quote(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// CreateVersionTable returns CREATE DATABASE IF NOT EXISTS (when t names a
// database) and CREATE TABLE IF NOT EXISTS, with Alembic's column and
// primary key names. Each commits implicitly.
func (d Dialect) CreateVersionTable(t adapter.Ident) []string {
	var stmts []string
	if t.Schema != "" {
		stmts = append(stmts, "CREATE DATABASE IF NOT EXISTS "+quote(t.Schema))
	}
	return append(stmts, "CREATE TABLE IF NOT EXISTS "+d.QuoteIdent(t)+
		" (version_num VARCHAR(255) NOT NULL, CONSTRAINT "+quote(t.Name+"_pkc")+
		" PRIMARY KEY (version_num))")
}

// VersionTableExists looks t up in information_schema.tables (in the
// current database when t has no schema) and yields 1 or 0.
func (d Dialect) VersionTableExists(t adapter.Ident) string {
	schema := "DATABASE()"
	if t.Schema != "" {
		schema = d.Literal(t.Schema)
	}
	return "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = " + schema +
		" AND table_name = " + d.Literal(t.Name)
}

// SelectHeads returns the query for every version_num.
func (d Dialect) SelectHeads(t adapter.Ident) string {
	return "SELECT version_num FROM " + d.QuoteIdent(t)
}

// InsertHead returns an INSERT with one ?.
func (d Dialect) InsertHead(t adapter.Ident) string {
	return "INSERT INTO " + d.QuoteIdent(t) + " (version_num) VALUES (?)"
}

// DeleteHead returns a DELETE with one ?.
func (d Dialect) DeleteHead(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t) + " WHERE version_num = ?"
}

// UpdateHead returns an UPDATE setting the first ? where the old value is
// the second.
func (d Dialect) UpdateHead(t adapter.Ident) string {
	return "UPDATE " + d.QuoteIdent(t) + " SET version_num = ? WHERE version_num = ?"
}

// DeleteAllHeads returns a DELETE of every version row.
func (d Dialect) DeleteAllHeads(t adapter.Ident) string {
	return "DELETE FROM " + d.QuoteIdent(t)
}

// CreateHistoryTable returns the history table's CREATE TABLE IF NOT
// EXISTS. started_at holds RFC 3339 text, as the engine writes it; db_user
// defaults to CURRENT_USER() (an expression default, which MariaDB 10.2 and
// MySQL 8.0.13 accept).
func (d Dialect) CreateHistoryTable(t adapter.Ident) string {
	return "CREATE TABLE IF NOT EXISTS " + d.QuoteIdent(t) + ` (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	revision VARCHAR(255) NOT NULL,
	direction VARCHAR(10) NOT NULL,
	status VARCHAR(10) NOT NULL,
	checksum VARCHAR(64) NOT NULL DEFAULT '',
	statements_done INTEGER NOT NULL DEFAULT 0,
	statements_total INTEGER NOT NULL DEFAULT 0,
	started_at VARCHAR(40) NOT NULL,
	duration_ms BIGINT NOT NULL DEFAULT 0,
	db_user VARCHAR(255) NOT NULL DEFAULT (CURRENT_USER()),
	client_host VARCHAR(255) NOT NULL DEFAULT '',
	application VARCHAR(255) NOT NULL DEFAULT '',
	tool_version VARCHAR(255) NOT NULL DEFAULT ''
)`
}

// SelectHistory returns the SELECT of the history table's columns.
func (d Dialect) SelectHistory(t adapter.Ident) string {
	return "SELECT revision, direction, status, checksum, statements_done, statements_total, started_at" +
		", duration_ms, db_user, client_host, application, tool_version FROM " + d.QuoteIdent(t)
}

// HistoryNow returns the session's UTC time as RFC 3339 text with
// microseconds.
func (Dialect) HistoryNow() string {
	return "DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')"
}

// Literal renders s as a string literal that reads the same whatever the
// session's sql_mode: quotes are doubled, and a string holding a backslash
// (an escape character unless NO_BACKSLASH_ESCAPES is set) is written as a
// utf8mb4 hexadecimal literal instead.
func (Dialect) Literal(s string) string {
	if strings.IndexByte(s, '\\') >= 0 {
		return "_utf8mb4 X'" + hex.EncodeToString([]byte(s)) + "'"
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
