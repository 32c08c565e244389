package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/revgraph"
)

// DefaultURL is the database used when Config.URL, Pool and Conn are all
// empty: a SQLite file in the working directory.
const DefaultURL = "sqlite:migrate.db"

// DefaultVersionTable is the version table's name when Config.VersionTable
// is empty.
const DefaultVersionTable = "migrate_version"

// Engine runs migrations against one database. Its methods are safe for
// concurrent use; each call takes its own connection from the pool. When the
// engine runs on a caller's shared connection (Config.Conn), calls must not
// overlap, as the connection itself is single-goroutine.
type Engine struct {
	cfg          Config
	cat          *catalog
	table        adapter.Ident
	historyTable adapter.Ident
	// legacyHistory, when set, is the shared history table that runs before
	// history belonged to its version table wrote to; see historyOn.
	legacyHistory *adapter.Ident
	dialect       adapter.Dialect
	pool          adapter.Pool // nil when running on cfg.Conn or offline
	ownPool       bool
	scope         adapter.SchemaScoper // non-nil when cfg.Schema is set
	closed        atomic.Bool
}

// Applied is one revision that a run applied or reverted.
type Applied struct {
	Revision  string
	Message   string
	Direction revgraph.Direction
	Duration  time.Duration
}

// Result reports what a run did. On error it reports what was committed
// before the failure: in TxPerRun mode that is nothing but the sections
// that ran with transaction=false.
type Result struct {
	From     []string // version rows before the run
	To       []string // version rows after the run
	Applied  []Applied
	Duration time.Duration
}

// Open loads every script, builds and validates the revision graph and
// opens the database pool. Nothing is written to the database, and every
// script and graph problem is reported before any connection is made.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	cat, err := loadCatalog(&cfg, false)
	if err != nil {
		return nil, err
	}
	return openWith(ctx, cfg, cat)
}

// openWith is Open over scripts already loaded, which fleet targets share.
func openWith(ctx context.Context, cfg Config, cat *catalog) (*Engine, error) {
	if err := checkSchema(cfg); err != nil {
		return nil, err
	}
	table, err := ParseTableName(cfg.VersionTable, DefaultVersionTable)
	if err != nil {
		return nil, err
	}
	if cfg.Schema != "" && table.Schema == "" {
		table.Schema = cfg.Schema
	}
	hist, legacy, err := historyTableOf(cfg.HistoryTable, table)
	if err != nil {
		return nil, err
	}
	if cfg.Schema != "" && hist.Schema == "" {
		hist.Schema = table.Schema
	}
	e := &Engine{cfg: cfg, cat: cat, table: table, historyTable: hist, legacyHistory: legacy}
	switch {
	case cfg.Offline != nil:
		if e.dialect, err = offlineDialect(&cfg); err != nil {
			return nil, err
		}
	case cfg.Conn != nil:
		e.dialect = cfg.Conn.Dialect()
	case cfg.Pool != nil:
		e.pool = cfg.Pool
		e.dialect = cfg.Pool.Dialect()
	default:
		raw := cfg.URL
		if raw == "" {
			raw = DefaultURL
		}
		if cfg.Opener == nil {
			return nil, ErrNoOpener
		}
		p, err := cfg.Opener.Open(ctx, raw)
		if err != nil {
			return nil, err
		}
		e.pool, e.ownPool, e.dialect = p, true, p.Dialect()
	}
	for _, t := range []adapter.Ident{table, hist} {
		if err := e.dialect.ValidateIdent(t); err != nil {
			_ = e.Close()
			return nil, fmt.Errorf("invalid table name %q: %w", t, err)
		}
	}
	if cfg.Schema != "" {
		if e.scope, _ = e.dialect.(adapter.SchemaScoper); e.scope == nil {
			_ = e.Close()
			return nil, fmt.Errorf("schema %s: %s has no schemas to scope a connection to", cfg.Schema, e.dialect.Name())
		}
	}
	return e, nil
}

// LoadGraph loads the scripts and Go revisions named by cfg and builds the
// revision graph, without opening any database. Commands that only read the
// graph (heads, branches, history, show) use it. It reads each script only
// up to its first section (script.LoadHeaders): a problem inside a section
// is reported by Open, not here.
func LoadGraph(cfg Config) (*revgraph.Graph, error) {
	cat, err := loadCatalog(&cfg, true)
	if err != nil {
		return nil, err
	}
	return cat.graph, nil
}

// Close releases the pool the engine opened. A caller's Pool or Conn is
// left open. Close is idempotent.
func (e *Engine) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	if e.ownPool && e.pool != nil {
		return e.pool.Close()
	}
	return nil
}

// Graph returns the revision graph. It is immutable and may be shared.
func (e *Engine) Graph() *revgraph.Graph { return e.cat.graph }

// Dialect returns the dialect of the engine's database.
func (e *Engine) Dialect() adapter.Dialect { return e.dialect }

// TransactionalDDL reports whether the database rolls DDL back with its
// transaction. When it does not (MySQL, MariaDB), a failed run leaves the
// DDL statements before the failure applied whatever the transaction mode.
func (e *Engine) TransactionalDDL() bool { return e.dialect.TransactionalDDL() }

// VersionTable returns the version table's name.
func (e *Engine) VersionTable() adapter.Ident { return e.table }

// Heads returns the graph's heads (revisions no down_revision points at).
func (e *Engine) Heads() []string { return e.cat.graph.Heads() }

// acquire returns the connection to run on and the function that gives it
// back. A caller's shared connection is never released here.
func (e *Engine) acquire(ctx context.Context) (adapter.Conn, func(), error) {
	if e.closed.Load() {
		return nil, nil, ErrClosed
	}
	if e.cfg.Offline != nil {
		return nil, nil, fmt.Errorf("reading the database: %w", ErrOffline)
	}
	if e.cfg.Conn != nil {
		return e.cfg.Conn, func() {}, nil
	}
	c, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("acquire connection: %w", err)
	}
	if e.scope == nil {
		return c, c.Release, nil
	}
	return e.scoped(ctx, c)
}

// readHeads returns the version rows, and false when the version table does
// not exist. It never creates anything.
func readHeads(ctx context.Context, q adapter.Querier, d adapter.Dialect, t adapter.Ident) ([]string, bool, error) {
	rows, err := q.Query(ctx, d.VersionTableExists(t))
	if err != nil {
		return nil, false, fmt.Errorf("read version table %s: %w", t, err)
	}
	var exists any
	if rows.Next() {
		err = rows.Scan(&exists)
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return nil, false, fmt.Errorf("read version table %s: %w", t, err)
	}
	if !truthy(exists) {
		return nil, false, nil
	}
	heads, err := selectHeads(func(sql string) (adapter.Rows, error) { return q.Query(ctx, sql) }, d, t)
	return heads, true, err
}

func selectHeads(query func(string) (adapter.Rows, error), d adapter.Dialect, t adapter.Ident) ([]string, error) {
	rows, err := query(d.SelectHeads(t))
	if err != nil {
		return nil, fmt.Errorf("read version table %s: %w", t, err)
	}
	var heads []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("read version table %s: %w", t, err)
		}
		heads = append(heads, h)
	}
	err = rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read version table %s: %w", t, err)
	}
	return heads, nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case int64:
		return x != 0
	case int:
		return x != 0
	case int32:
		return x != 0
	case string:
		return x == "1" || x == "t" || x == "true"
	case []byte:
		return string(x) == "1" || string(x) == "t" || string(x) == "true"
	}
	return false
}

// Current returns the database's current revisions: the version rows plus
// the revisions they imply through depends_on. It never creates or changes
// anything; an absent version table means no revision.
func (e *Engine) Current(ctx context.Context) ([]string, error) {
	rows, err := e.versionRows(ctx)
	if err != nil {
		return nil, err
	}
	return e.cat.graph.Current(rows)
}

// VersionRows returns the rows of the version table as stored (no implied
// dependencies). An absent table means none.
func (e *Engine) VersionRows(ctx context.Context) ([]string, error) {
	return e.versionRows(ctx)
}

func (e *Engine) versionRows(ctx context.Context) ([]string, error) {
	conn, release, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	heads, _, err := readHeads(ctx, conn, e.dialect, e.table)
	return heads, err
}

// History returns the revisions of rangeSpec (a:b, :b, a:, or "" for all),
// newest first. Only a range that mentions "current" reads the database.
func (e *Engine) History(ctx context.Context, rangeSpec string) ([]*revgraph.Revision, error) {
	t, err := revgraph.ParseTarget(rangeSpec)
	if err != nil {
		return nil, err
	}
	var rows []string
	if t.NamesCurrent() {
		if rows, err = e.versionRows(ctx); err != nil {
			return nil, err
		}
	}
	return e.cat.graph.History(rangeSpec, rows)
}

// Check returns nil when the database is at the graph's heads and matches
// the scripts. Otherwise it returns an [*InterruptedError] for an
// interrupted transaction=false section, a [*DriftError] for applied
// revisions that were edited or removed, or a [*NotAtHeadError] (matching
// [ErrNotAtHead]) listing what is pending.
func (e *Engine) Check(ctx context.Context) error {
	conn, release, err := e.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	rows, _, err := readHeads(ctx, conn, e.dialect, e.table)
	if err != nil {
		return err
	}
	hs, err := e.historyOn(ctx, conn)
	if err != nil {
		return err
	}
	hist, err := readHistory(ctx, conn, hs, true)
	if err != nil {
		return err
	}
	if ie := e.interrupted(hist); ie != nil {
		return ie
	}
	if err := e.drift(rows, hist); err != nil {
		return err
	}
	plan, err := e.cat.graph.Upgrade(rows, "heads")
	if err != nil {
		return err
	}
	if len(plan.Steps) == 0 {
		return nil
	}
	cur, err := e.cat.graph.Current(rows)
	if err != nil {
		return err
	}
	pending := make([]string, len(plan.Steps))
	for i, s := range plan.Steps {
		pending[i] = s.Revision.ID
	}
	return &NotAtHeadError{Current: cur, Pending: pending}
}

var identPart = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

// ParseTableName parses a table name, "name" or "schema.name", falling back
// to def when name is empty. Each part must be a plain identifier (letters,
// digits and '_', not starting with a digit) so that no configured name can
// inject SQL. The database's own rules (PostgreSQL's 63-byte limit) are the
// dialect's: [Open] checks both tables with [adapter.Dialect.ValidateIdent].
func ParseTableName(name, def string) (adapter.Ident, error) {
	if name == "" {
		name = def
	}
	schema, table, qualified := strings.Cut(name, ".")
	if !qualified {
		schema, table = "", name
	}
	for _, p := range []string{schema, table} {
		if (p != "" || p == table) && !identPart().MatchString(p) {
			return adapter.Ident{}, fmt.Errorf("invalid table name %q: use letters, digits and _ (optionally schema.table)", name)
		}
	}
	if qualified && schema == "" {
		return adapter.Ident{}, fmt.Errorf("invalid table name %q: empty schema", name)
	}
	return adapter.Ident{Schema: schema, Name: table}, nil
}

// errorsAsRevision reports whether err already names a revision.
func errorsAsRevision(err error) bool {
	var re *RevisionError
	return errors.As(err, &re)
}
