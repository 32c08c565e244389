// Package sqldb runs the migration engine on a caller's database/sql
// handles: a *sql.DB becomes an [adapter.Pool] ([Open]), a *sql.Conn or an
// open *sql.Tx an [adapter.Conn] ([FromConn], [FromTx]) for
// engine.Config.Conn, so a service migrates on the connection, or inside the
// transaction, it already holds.
//
// A [Dialect] says which database is behind the handle: [Postgres] (pgx's
// github.com/jackc/pgx/v5/stdlib, lib/pq) or [SQLite]
// (github.com/ncruces/go-sqlite3/driver). They are the dialects of
// adapter/postgres and adapter/sqlite, with the same SQL, identifier rules
// and migration lock (a PostgreSQL advisory lock, transaction-scoped inside
// [FromTx]; SQLite's sidecar lock file), taken from driver-free packages so
// that this package links no driver: the caller's program links the driver
// it registered and no other. A dialect for another database is one
// variable naming its driver-free dialect package.
//
// Cancellation: every statement runs with the run's context, so a
// cancelled run stops the statement in flight the way the driver does it.
// pgx's stdlib driver closes the connection, sending PostgreSQL a cancel
// request as it does, so the server stops the statement; ncruces' driver
// interrupts SQLite and keeps the connection. The error wraps ctx.Err(). A
// connection the driver reports unusable afterwards (driver.ErrBadConn, or
// driver.Validator reporting it invalid) is reported as
// *[adapter.ConnBrokenError] and, when it came from [Pool], discarded
// instead of going back to the *sql.DB.
//
// Concurrency: a [Pool] is safe for concurrent use; the connections it
// hands out, and those of FromConn and FromTx, are not.
package sqldb
