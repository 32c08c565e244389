package sqlite

import "github.com/retort-sql/retort/adapter/sqlite/sqlitedialect"

// Dialect is the SQLite [adapter.Dialect], shared with adapter/sqldb. The
// zero value is ready to use and needs no database. An [adapter.Ident]'s
// Schema is the name of an attached database; empty means main. Its Lock
// locks a sidecar file (see [sqlitedialect.Dialect.Lock]).
type Dialect = sqlitedialect.Dialect

// LockFileSuffix is appended to a database file's path to name the file
// that [Dialect.Lock] locks.
const LockFileSuffix = sqlitedialect.LockFileSuffix

var _ sqlitedialect.LockHolder = (*conn)(nil)
