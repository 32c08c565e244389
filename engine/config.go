package engine

import (
	"io"
	"io/fs"

	"github.com/rs/zerolog"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/revgraph"
)

// TxMode says how the runner groups revisions into transactions.
type TxMode int8

const (
	// TxPerRun runs the whole upgrade or downgrade in one transaction
	// (Alembic's default). A failure rolls back every revision of the run.
	TxPerRun TxMode = iota
	// TxPerRevision commits after each revision.
	TxPerRevision
)

// GoRevision is a revision written in Go. It carries the same fields as a
// SQL script header and two functions that receive the synchronous [Conn].
type GoRevision struct {
	revgraph.Revision
	// Up applies the revision. Required.
	Up func(Conn) error
	// Down reverts it. Nil makes the revision irreversible.
	Down func(Conn) error
	// UpNoTx and DownNoTx run the function outside any transaction, like
	// `transaction=false` on a SQL section.
	UpNoTx, DownNoTx bool
}

// Config configures an [Engine]. The zero value with an Opener is usable
// (open.Engine sets one): it opens sqlite:migrate.db and reads scripts from
// ./migrations.
type Config struct {
	// URL selects the database: postgres://…, postgresql://…, libpq
	// key=value settings, sqlite:PATH, sqlite::memory:, mysql://…, or
	// SQLAlchemy's forms (postgresql+asyncpg://…, sqlite:///rel.db; see
	// docs/config.md), turned into a pool by Opener. Empty means
	// sqlite:migrate.db. Ignored when Pool or Conn is set.
	URL string
	// Opener turns URL into a pool (and, offline, URL or Dialect into a
	// dialect). It is needed only when neither Pool nor Conn is set;
	// open.Engine sets open.Opener{} when it is nil.
	Opener Opener
	// Pool is a caller's pool to take connections from.
	Pool adapter.Pool
	// Conn is a caller's connection or open transaction (connection
	// sharing). The engine runs on it and never releases it; inside a
	// caller's transaction it begins and commits nothing.
	Conn adapter.Conn
	// Locker serialises runs across processes; nil means the dialect's own
	// lock (a PostgreSQL session advisory lock, a lock file for SQLite).
	// Use postgres.LeaseLocker behind PgBouncer's transaction pooling,
	// where session advisory locks do not hold.
	Locker adapter.Locker
	// Dialect is needed only in offline mode with no URL, Pool or Conn:
	// "postgres" or "sqlite".
	Dialect string
	// Scripts is the script source; nil means os.DirFS("migrations").
	Scripts fs.FS
	// ScriptDir is the folder within Scripts; empty means ".".
	ScriptDir string
	// GoRevisions are revisions written in Go, added to the scripts.
	GoRevisions []GoRevision
	// VersionTable is the version table's name; "schema.table" is allowed.
	// Empty means "migrate_version".
	VersionTable string
	// HistoryTable is the history table's name ("schema.table" allowed).
	// Empty means the version table's own history table, named by
	// [HistoryTableFor] (migrate_version: migrate_history; app_version:
	// app_history), in the version table's schema, so that script sets with
	// different version tables never share a history.
	HistoryTable string
	// Schema, when set, runs the engine in this schema of the database
	// (PostgreSQL): each connection the engine takes gets search_path set
	// to it, and reset before it goes back to the pool, so the scripts'
	// unqualified names land in it, and an unqualified VersionTable or
	// HistoryTable lives in it. This is how the schemas of one database
	// share one Pool in a fleet. A system schema (pg_catalog, …) is refused
	// with [ErrSystemSchema]; Schema does not combine with Conn.
	Schema string
	// AllowDrift lets Upgrade run although applied revisions were edited or
	// removed from the scripts (see DriftError).
	AllowDrift bool
	// Resume continues an interrupted transaction=false section from the
	// statement after the last one that completed (see InterruptedError).
	Resume bool
	// TxMode groups revisions into transactions; the zero value is TxPerRun.
	TxMode TxMode
	// Logger receives one event per revision and a summary; the zero value
	// logs nothing.
	Logger zerolog.Logger
	// Offline, when non-nil, turns on offline mode: nothing executes and
	// the SQL a run would execute is written here.
	Offline io.Writer
}
