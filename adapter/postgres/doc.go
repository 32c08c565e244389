// Package postgres is the PostgreSQL adapter, built on pgx v5 and pgxpool.
//
// [Open] opens a pool from a URL. Its connections use pgconn's
// CancelRequestContextWatcherHandler: when a statement's context is done, a
// cancel request stops the statement on the server at once and the
// connection survives (its transaction, if any, is aborted and must be rolled
// back); a network deadline 500 ms later is the fallback for a server that
// does not answer the cancel request. docs/cancellation.md explains why.
//
// [FromPool], [FromConn] and [FromTx] wrap what a caller already has
// (connection sharing). A caller's pool or connection keeps the cancel
// behaviour it was built with; under pgx's default a cancelled statement
// closes the connection, and the adapter then returns an error wrapping
// *[adapter.ConnBrokenError] so that the caller knows the connection is gone.
//
// [Dialect] is usable without a database (offline mode). Its Lock takes a
// session advisory lock with pg_try_advisory_lock, polled with backoff and
// jitter under the caller's context, keyed by a 64-bit FNV-1a hash of the
// qualified version-table name; inside a caller's transaction it takes
// pg_try_advisory_xact_lock instead, which the caller's commit or rollback
// releases.
package postgres
