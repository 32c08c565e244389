// Package mysql is the Retort adapter for MySQL and MariaDB, on
// github.com/go-sql-driver/mysql through database/sql.
//
// [Open] takes a go-sql-driver/mysql DSN (user:pass@tcp(host:3306)/db?…);
// package open turns mysql://, mariadb:// and SQLAlchemy's mysql+driver://
// URLs into one. The pool sets interpolateParams (arguments are rendered
// client-side, saving a prepare round trip per statement), clientFoundRows
// (an UPDATE reports the rows it matched) and multiStatements (an Exec
// without arguments may hold several statements), unless the DSN sets them.
//
// # Transactions
//
// MySQL and MariaDB commit implicitly before and after every DDL statement,
// so a transaction cannot undo a CREATE or ALTER: [Dialect.TransactionalDDL]
// reports false, and the engine then records its progress statement by
// statement instead of promising a rollback it cannot keep.
//
// # Cancellation
//
// A statement whose context ends is stopped on the server with
// KILL QUERY <connection id>, sent from a separate connection; the
// statement's error then wraps ctx.Err() and its connection stays usable.
// Should the server not stop it within half a second, the connection is
// closed and reported broken (*[adapter.ConnBrokenError]).
//
// # Locking
//
// [Dialect.Lock] polls GET_LOCK(name, 0), never a blocking GET_LOCK, with a
// name derived from database.table, and releases it with RELEASE_LOCK. The
// lock belongs to the session: the connection that took it must be the one
// that runs the migration and unlocks, and a connection released while it
// still holds the lock is closed rather than reused.
//
// Pool, Dialect and the connections follow the adapter package's
// concurrency rules: a Pool is safe for concurrent use, a connection is not.
package mysql
