package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

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

// Open opens a pool on url (postgres:// or postgresql://, or anything
// pgxpool.ParseConfig accepts) and checks that a connection can be made.
// Statements cancelled by their context are stopped with a cancel request
// and their connection survives. Errors never contain the password.
func Open(ctx context.Context, url string) (*Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn's ParseConfigError redacts the password.
		return nil, fmt.Errorf("postgres: %w", err)
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
