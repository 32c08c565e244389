// Package engine runs migrations: it opens a pooled database engine, takes a
// connection under the caller's context, and hands it to a synchronous
// migration runner through [RunSync], the way Alembic's asyncio recipe hands
// a connection to its synchronous runner with run_sync.
//
// # Flow of a run
//
// [Engine.Upgrade], [Engine.Downgrade] and [Engine.Stamp] each
//
//  1. check the target against the revision graph (no database needed);
//  2. acquire a connection with the caller's ctx (or use the caller's own,
//     Config.Conn);
//  3. for an upgrade, read the version table without any lock and return at
//     once when the database is already at the target;
//  4. take the migration lock (a PostgreSQL advisory lock; a lock file for
//     SQLite), waiting under ctx;
//  5. run the synchronous runner through RunSync: create the version table if
//     missing, read the version rows, plan from them, refuse an irreversible
//     or otherwise impossible plan before the first statement, then run each
//     revision and move the version rows as the plan says;
//  6. release the lock and the connection, on a context that is not
//     cancelled, whatever happened.
//
// # Cancellation
//
// Every statement runs under the caller's ctx. A cancel or deadline
// interrupts the statement in flight, the open transaction rolls back, the
// lock and the connection are released, and the error wraps ctx.Err() and
// names the revision that was running (see [RevisionError]).
//
// # Connection sharing
//
// A caller that already holds a connection, or an open transaction, passes it
// as Config.Conn (adapter/postgres.FromConn, FromTx; adapter/sqlite.FromConn).
// Inside a caller's transaction the engine begins and commits nothing: the
// caller's commit or rollback decides.
//
// # Transactions
//
// TxPerRun (the default, as in Alembic) runs the whole run in one
// transaction, on SQLite too; TxPerRevision commits after every revision.
// Sections marked transaction=false run outside either, with their version
// row written right after them.
//
// # Fleets
//
// [UpgradeAll] upgrades a slice of targets, each opening its own engine.
// For fleets of thousands, [NewFleet] loads the scripts once and
// [Fleet.Upgrade] and [Fleet.Each] stream targets from an iterator, at most
// FanOutOptions.Concurrency at a time, reporting each through OnDone and
// keeping nothing of a finished one. The schemas of one PostgreSQL database
// share one pool: each target sets Config.Pool to it and Config.Schema to
// its schema, and the engine points every connection it takes at that
// schema and resets it before giving it back. System schemas are skipped
// ([ErrSystemSchema]). A [Shard] takes one share of a fleet split across
// processes by rendezvous hashing of the targets' names.
package engine
