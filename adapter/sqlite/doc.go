// Package sqlite is the SQLite adapter, built on github.com/ncruces/go-sqlite3
// (SQLite compiled to WebAssembly: no cgo).
//
// [Open] opens a small pool over a database file (journal_mode=WAL, a 5 s
// busy timeout that also ends when the call's context does) or over
// ":memory:", where the pool holds one connection, since each in-memory
// connection is its own database: holders take turns, and Acquire waits under
// its context. [FromConn] wraps a caller's connection.
//
// Every call binds its context to the connection with Conn.SetInterrupt for
// the call's duration (for Query, until the Rows are closed), so a long
// statement stops when the context is done; the error then wraps ctx.Err().
// Begin issues BEGIN IMMEDIATE, which takes the write lock up front.
//
// [Dialect.Lock] is cross-process for a database file: an exclusive flock(2)
// on a sidecar file next to it, "<database path>-migrate.lock", polled with
// backoff under the context. On systems without flock it falls back to
// creating the sidecar with O_EXCL, which a crashed holder leaves behind
// (delete it by hand). For an in-memory database, which no other process can
// see, the lock is a channel held by the pool (or by the [FromConn] wrapper).
package sqlite
