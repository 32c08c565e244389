package postgres

import "github.com/retort-sql/retort/adapter/postgres/pgdialect"

// IsSystemSchema reports whether schema belongs to PostgreSQL itself
// (pg_catalog, information_schema, pg_toast, pg_temp_N, …); see
// [pgdialect.IsSystemSchema]. A migration must never run in a system schema.
func IsSystemSchema(schema string) bool { return pgdialect.IsSystemSchema(schema) }
