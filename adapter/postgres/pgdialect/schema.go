package pgdialect

import (
	"strings"

	"github.com/retort-sql/retort/adapter"
)

// IsSystemSchema reports whether schema belongs to PostgreSQL itself:
// pg_catalog, information_schema, pg_toast, the per-session pg_temp_N and
// pg_toast_temp_N schemas, and any other name starting with "pg_", which
// the server reserves (CREATE SCHEMA refuses it). As in the server, the
// comparison is case-sensitive: "PG_x" is an ordinary quoted name. A
// migration must never run in a system schema.
func IsSystemSchema(schema string) bool {
	return schema == "information_schema" || strings.HasPrefix(schema, "pg_")
}

var _ adapter.SchemaScoper = Dialect{}

// UseSchema returns SET search_path TO the quoted schema, so that its case
// is kept as the version table's is.
func (Dialect) UseSchema(schema string) string { return "SET search_path TO " + quote(schema) }

// ResetSchema returns RESET search_path, which restores the value the
// connection started with (its URL's search_path, if any).
func (Dialect) ResetSchema() string { return "RESET search_path" }

// SystemSchema is [IsSystemSchema].
func (Dialect) SystemSchema(schema string) bool { return IsSystemSchema(schema) }

var _ adapter.MultiStatementExecer = Dialect{}

// MultiStatementExec reports true: an Exec without arguments uses the
// simple query protocol, which takes several statements.
func (Dialect) MultiStatementExec() bool { return true }
