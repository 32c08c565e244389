package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/retort-sql/retort/adapter"
)

// Pool sizes. The killer pool holds the connections that send KILL QUERY,
// apart from the pool whose statements they stop, so that a cancel never
// waits for a free connection.
const (
	defaultMaxConns = 10
	killerMaxConns  = 2
)

// Pool is an [adapter.Pool] over a *sql.DB of go-sql-driver/mysql. It is
// safe for concurrent use. Connections it hands out are not.
type Pool struct {
	db     *sql.DB
	killer *sql.DB
	owned  bool
	closed atomic.Bool
}

var (
	_ adapter.Pool = (*Pool)(nil)
	_ adapter.Conn = (*conn)(nil)
	_ adapter.Tx   = (*tx)(nil)
	_ adapter.Rows = (*rows)(nil)
)

// Open opens a pool on a go-sql-driver/mysql DSN
// (user:password@tcp(host:3306)/db?params) and checks that a connection
// can be made. Errors never contain the password.
func Open(ctx context.Context, dsn string) (*Pool, error) {
	cfg, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// ParseDSN parses a go-sql-driver/mysql DSN and applies the settings the
// package documentation lists, where the DSN does not set them. The error
// never contains the password.
func ParseDSN(dsn string) (*mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		// go-sql-driver's parse errors quote no part of the DSN but the
		// parameter at fault; say only that it is invalid.
		return nil, fmt.Errorf("mysql: invalid DSN: %w", redactParseErr(err))
	}
	if _, ok := cfg.Params["interpolateParams"]; !ok && !cfg.InterpolateParams {
		cfg.InterpolateParams = true
	}
	cfg.ClientFoundRows = true
	cfg.MultiStatements = true
	return cfg, nil
}

func redactParseErr(err error) error {
	return errors.New(err.Error())
}

// OpenConfig opens a pool on a go-sql-driver/mysql configuration, as
// [Open] does, without changing cfg.
func OpenConfig(ctx context.Context, cfg *mysql.Config) (*Pool, error) {
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(defaultMaxConns)
	db.SetMaxIdleConns(defaultMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("mysql: connect: %w", wrapCtx(ctx, err))
	}
	killer := sql.OpenDB(conn)
	killer.SetMaxOpenConns(killerMaxConns)
	killer.SetMaxIdleConns(1)
	return &Pool{db: db, killer: killer, owned: true}, nil
}

// FromDB wraps a caller's *sql.DB of go-sql-driver/mysql. Close does not
// close it. Cancellation sends KILL QUERY through a connection of db.
func FromDB(db *sql.DB) *Pool {
	return &Pool{db: db, killer: db}
}

// DB returns the underlying *sql.DB.
func (p *Pool) DB() *sql.DB { return p.db }

// Acquire returns a connection, waiting while ctx allows when the pool is
// exhausted. The caller must Release it.
func (p *Pool) Acquire(ctx context.Context) (adapter.Conn, error) {
	if p.closed.Load() {
		return nil, adapter.ErrClosed
	}
	sc, err := p.db.Conn(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("mysql: acquire: %w", wrapCtx(ctx, err))
		}
		if errors.Is(err, sql.ErrConnDone) || p.closed.Load() {
			return nil, adapter.ErrClosed
		}
		return nil, fmt.Errorf("mysql: acquire: %w", err)
	}
	c := &conn{sc: sc, killer: p.killer}
	if err := c.loadID(ctx); err != nil {
		_ = sc.Close()
		return nil, fmt.Errorf("mysql: acquire: %w", err)
	}
	return c, nil
}

// Dialect returns [Dialect].
func (p *Pool) Dialect() adapter.Dialect { return Dialect{} }

// Close closes the pool if Open created it; a *sql.DB given to [FromDB]
// stays open. Acquire returns [adapter.ErrClosed] afterwards.
func (p *Pool) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	if !p.owned {
		return nil
	}
	return errors.Join(p.db.Close(), p.killer.Close())
}
