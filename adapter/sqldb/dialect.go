package sqldb

import (
	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql/mysqldialect"
	"github.com/retort-sql/retort/adapter/postgres/pgdialect"
	"github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"
)

// Dialect describes the database behind a database/sql handle: its SQL,
// identifier rules and capabilities (the embedded [adapter.Dialect]) and the
// lock that serialises migration runs on it, which this package's
// connections return from Locker. The lock must work through the
// [adapter.Conn] interface alone; it may also use the optional interfaces
// this package's connections implement (pgdialect.SessionLockCounter,
// sqlitedialect.LockHolder). A dialect for another database is one such
// value, built from its driver-free dialect package.
type Dialect struct {
	adapter.Dialect
	adapter.Locker
}

// Postgres is PostgreSQL's dialect and advisory lock, as adapter/postgres
// uses them.
var Postgres = Dialect{Dialect: pgdialect.Dialect{}, Locker: pgdialect.Dialect{}}

// SQLite is SQLite's dialect and lock file, as adapter/sqlite uses them.
var SQLite = Dialect{Dialect: sqlitedialect.Dialect{}, Locker: sqlitedialect.Dialect{}}

// MySQL is MySQL's and MariaDB's dialect and named lock, as adapter/mysql
// uses them, for github.com/go-sql-driver/mysql with multiStatements=true
// in its DSN. That driver closes the connection of a cancelled statement
// without stopping it on the server; adapter/mysql, which sends KILL QUERY,
// does.
var MySQL = Dialect{Dialect: mysqldialect.Dialect{}, Locker: mysqldialect.Dialect{}}
