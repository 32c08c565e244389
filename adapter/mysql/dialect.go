package mysql

import (
	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql/mysqldialect"
)

// Dialect is the MySQL and MariaDB [adapter.Dialect], shared with
// adapter/sqldb. The zero value is ready to use and needs no database, so
// offline mode can render MySQL SQL. Its Lock takes a GET_LOCK named lock
// (see [mysqldialect.Dialect.Lock]).
type Dialect = mysqldialect.Dialect

// IsSystemSchema reports whether a database belongs to the server itself
// (see [mysqldialect.IsSystemSchema]).
func IsSystemSchema(schema string) bool { return mysqldialect.IsSystemSchema(schema) }

// LockName returns the GET_LOCK name of a database-qualified table name.
func LockName(t adapter.Ident) string { return mysqldialect.LockName(t) }

// AddSessionLock implements [mysqldialect.SessionLockCounter].
func (c *conn) AddSessionLock(delta int) { c.sessionLocks += delta }

var _ mysqldialect.SessionLockCounter = (*conn)(nil)
