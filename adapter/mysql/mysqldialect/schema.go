package mysqldialect

import (
	"strings"

	"github.com/retort-sql/retort/adapter"
)

var (
	_ adapter.SchemaScoper         = Dialect{}
	_ adapter.MultiStatementExecer = Dialect{}
)

// IsSystemSchema reports whether a database belongs to the server itself:
// mysql, information_schema, performance_schema and sys (compared without
// case, as the server does on most platforms). A migration must never run
// in one.
func IsSystemSchema(schema string) bool {
	switch strings.ToLower(schema) {
	case "mysql", "information_schema", "performance_schema", "sys":
		return true
	}
	return false
}

// UseSchema returns CREATE DATABASE IF NOT EXISTS and USE of the quoted
// database, in one multi-statement Exec: on MySQL a fleet's "schemas" are
// the databases of one server, created when missing as PostgreSQL's
// schemas are.
func (Dialect) UseSchema(schema string) string {
	return "CREATE DATABASE IF NOT EXISTS " + quote(schema) + "; USE " + quote(schema)
}

// ResetSchema returns DO 0, a statement that does nothing: a session cannot
// be given back its first database without knowing it, so adapter/mysql
// closes a connection whose database a USE changed instead of pooling it
// (a connection of adapter/sqldb's is closed alike).
func (Dialect) ResetSchema() string { return "DO 0" }

// SystemSchema is [IsSystemSchema].
func (Dialect) SystemSchema(schema string) bool { return IsSystemSchema(schema) }

// MultiStatementExec reports true: adapter/mysql sets multiStatements, so
// an Exec without arguments takes several statements.
func (Dialect) MultiStatementExec() bool { return true }

// ChangesDatabase reports whether a statement is a USE, which changes the
// session's database: a connection that ran one must not go back to a pool.
func ChangesDatabase(sql string) bool {
	for part := range strings.SplitSeq(sql, ";") {
		part = strings.TrimLeft(part, " \t\r\n")
		if len(part) > 4 && strings.EqualFold(part[:3], "USE") && (part[3] == ' ' || part[3] == '\t' || part[3] == '`') {
			return true
		}
	}
	return false
}
