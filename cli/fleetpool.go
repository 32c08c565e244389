package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"sync"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/dsn"
)

// poolSet holds the pools that the schemas of one database share in a
// fleet: one per database URL, opened when its first schema runs, with at
// most size connections (--concurrency), closed when the command ends.
type poolSet struct {
	ctx   context.Context
	size  int
	mu    sync.Mutex
	pools map[string]*sharedPool
}

type sharedPool struct {
	pool adapter.Pool
	err  error
}

// get returns the pool of rawURL, opening it on first use. A pool that
// cannot be opened is remembered as such: every schema on it fails with
// the same error, and it is not dialled again for each.
func (ps *poolSet) get(rawURL string) adapter.Pool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	sp := ps.pools[rawURL]
	if sp == nil {
		sp = &sharedPool{}
		p, err := openShared(ps.ctx, rawURL, ps.size)
		if err != nil {
			sp.err = fmt.Errorf("open %s: %w", dsn.Redact(rawURL), err)
		} else {
			sp.pool = p
		}
		ps.pools[rawURL] = sp
	}
	if sp.err != nil {
		return failedPool{sp.err}
	}
	return sp.pool
}

func (ps *poolSet) close() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, sp := range ps.pools {
		if sp.pool != nil {
			_ = sp.pool.Close()
		}
	}
	ps.pools = map[string]*sharedPool{}
}

// openShared opens the pool of a PostgreSQL or MySQL URL with at most size
// connections.
func openShared(ctx context.Context, rawURL string, size int) (adapter.Pool, error) {
	if d, err := dsn.Parse(rawURL); err == nil && d.Kind == dsn.MySQL {
		driverDSN, err := d.MySQLDriverDSN()
		if err != nil {
			return nil, err
		}
		p, err := mysql.Open(ctx, driverDSN)
		if err != nil {
			return nil, err
		}
		p.DB().SetMaxOpenConns(max(size, 1))
		return p, nil
	}
	return postgres.Open(ctx, withFleetParams(rawURL, size))
}

// withFleetParams sets, unless the URL sets them, pgxpool's pool_max_conns
// to size and pgx's default_query_exec_mode to exec. Every schema's version
// and history statements name their schema, so their texts differ from one
// target to the next: pgx's default mode would prepare each text on first
// use (a round trip more per statement) and churn its statement cache;
// exec mode sends each statement with its parameters in one round trip and
// prepares nothing.
func withFleetParams(raw string, size int) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("pool_max_conns") == "" {
		q.Set("pool_max_conns", strconv.Itoa(max(size, 1)))
	}
	if q.Get("default_query_exec_mode") == "" {
		q.Set("default_query_exec_mode", "exec")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// failedPool stands for a pool that could not be opened.
type failedPool struct{ err error }

func (p failedPool) Acquire(context.Context) (adapter.Conn, error) { return nil, p.err }
func (failedPool) Dialect() adapter.Dialect                        { return postgres.Dialect{} }
func (failedPool) Close() error                                    { return nil }
