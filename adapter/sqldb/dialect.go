package sqldb

import (
	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres/pgdialect"
	"github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"
)

// Dialect describes the database behind a database/sql handle: its SQL,
// identifier rules, capabilities and migration lock. The lock must work
// through the [adapter.Conn] interface alone (it may also use the optional
// interfaces this package's connections implement:
// pgdialect.SessionLockCounter and sqlitedialect.LockHolder).
type Dialect = adapter.Dialect

// Postgres is PostgreSQL's dialect, as adapter/postgres uses it.
var Postgres Dialect = pgdialect.Dialect{}

// SQLite is SQLite's dialect, as adapter/sqlite uses it.
var SQLite Dialect = sqlitedialect.Dialect{}
