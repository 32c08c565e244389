package postgres

import (
	"context"
	"fmt"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter"
)

// cancelDeadlineDelay is how long a cancelled statement may take to stop on
// the server after the cancel request before the connection is closed.
const cancelDeadlineDelay = 500 * time.Millisecond

// defaultApplicationName names Retort's sessions in pg_stat_activity, which
// the lock wait report shows.
const defaultApplicationName = "retort"

// Pool is an [adapter.Pool] over a pgxpool.Pool. It is safe for concurrent
// use. Connections it hands out are not.
type Pool struct {
	pool   *pgxpool.Pool
	owned  bool
	closed atomic.Bool
}

var (
	_ adapter.Pool = (*Pool)(nil)
	_ adapter.Conn = (*conn)(nil)
	_ adapter.Tx   = (*tx)(nil)
	_ adapter.Rows = (*rows)(nil)
)

// Option configures [Open].
type Option func(*options)

type options struct {
	pooler bool
}

// ForTransactionPooling makes the pool safe behind a pooler in transaction
// pooling mode (PgBouncer's pool_mode = transaction), where consecutive
// statements of one client may run on different server sessions: unless the
// URL sets default_query_exec_mode itself, statements run in pgx's "exec"
// mode, one round trip with an unnamed statement and no prepared-statement
// cache, instead of the default "cache_statement", whose named prepared
// statements live in one server session and fail on another (SQLSTATE 42P05
// or 26000). Use it with a [LeaseLocker].
func ForTransactionPooling() Option {
	return func(o *options) { o.pooler = true }
}

// Open opens a pool on url (postgres:// or postgresql://, or anything
// pgxpool.ParseConfig accepts) and checks that a connection can be made.
// Statements cancelled by their context are stopped with a cancel request
// and their connection survives. Errors never contain the password.
func Open(ctx context.Context, url string, opts ...Option) (*Pool, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's ParseConfigError redacts the password.
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if o.pooler && !setsExecMode(url) {
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
		cfg.ConnConfig.StatementCacheCapacity = 0
		cfg.ConnConfig.DescriptionCacheCapacity = 0
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = defaultApplicationName
	}
	cfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{
			Conn:          pc,
			DeadlineDelay: cancelDeadlineDelay,
		}
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := p.Ping(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &Pool{pool: p, owned: true}, nil
}

// FromPool wraps a caller's pool. Close does not close it; the pool keeps
// its own context watcher (see the package documentation).
func FromPool(p *pgxpool.Pool) *Pool {
	return &Pool{pool: p}
}

// PgxPool returns the underlying pool.
func (p *Pool) PgxPool() *pgxpool.Pool { return p.pool }

// Acquire returns a connection, waiting while ctx allows when the pool is
// exhausted. The caller must Release it.
func (p *Pool) Acquire(ctx context.Context) (adapter.Conn, error) {
	if p.closed.Load() {
		return nil, adapter.ErrClosed
	}
	pc, err := p.pool.Acquire(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("postgres: acquire: %w", wrapCtx(ctx, err))
		}
		if isPoolClosed(err) {
			return nil, adapter.ErrClosed
		}
		return nil, fmt.Errorf("postgres: acquire: %w", err)
	}
	c := &conn{q: pc, pooled: pc, raw: pc.Conn()}
	return c, nil
}

// Dialect returns [Dialect].
func (p *Pool) Dialect() adapter.Dialect { return Dialect{} }

// Close closes the pool if Open created it; a pool given to [FromPool]
// stays open. Close waits for acquired connections to be released. Acquire
// returns [adapter.ErrClosed] afterwards.
func (p *Pool) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	if p.owned {
		p.pool.Close()
	}
	return nil
}

func isPoolClosed(err error) bool {
	return err != nil && err.Error() == "closed pool"
}

// setsExecMode reports whether a connection string (a URL or libpq
// key=value pairs) sets default_query_exec_mode.
func setsExecMode(connString string) bool {
	const key = "default_query_exec_mode"
	if strings.Contains(connString, "://") {
		u, err := neturl.Parse(connString)
		return err == nil && u.Query().Has(key)
	}
	for _, f := range strings.Fields(connString) {
		if k, _, ok := strings.Cut(f, "="); ok && strings.TrimSpace(k) == key {
			return true
		}
	}
	return false
}
