package postgres

import "strings"

// IsSystemSchema reports whether schema belongs to PostgreSQL itself:
// pg_catalog, information_schema, pg_toast, the per-session pg_temp_N and
// pg_toast_temp_N schemas, and any other name starting with "pg_", which
// the server reserves (CREATE SCHEMA refuses it). As in the server, the
// comparison is case-sensitive: "PG_x" is an ordinary quoted name. A
// migration must never run in a system schema.
func IsSystemSchema(schema string) bool {
	return schema == "information_schema" || strings.HasPrefix(schema, "pg_")
}
