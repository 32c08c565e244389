// Package open turns database URLs into Retort pools, dialects and engines.
//
// It is the one package that imports every adapter (adapter/postgres,
// adapter/sqlite, adapter/mysql): the engine depends on the adapter SPI only, so that a
// service that builds its engine on a pool of its own links only the
// adapter it uses. Importing open links them all; that is what the CLI and
// programs that take a URL from their configuration want.
//
// The dispatch is an explicit switch on the URL family parsed by
// internal/dsn, not a registry: nothing is registered at init time and the
// package holds no state.
package open

import (
	"context"
	"fmt"
	"strings"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
)

// Opener is the [engine.Opener] for every URL Retort accepts. The zero
// value is ready to use and safe for concurrent use.
type Opener struct{}

var _ engine.Opener = Opener{}

// Open calls [Pool].
func (Opener) Open(ctx context.Context, url string) (adapter.Pool, error) { return Pool(ctx, url) }

// Dialect calls [Dialect].
func (Opener) Dialect(urlOrName string) (adapter.Dialect, error) { return Dialect(urlOrName) }

// Pool opens a pool on url (postgres://…, postgresql://…, sqlite:PATH,
// sqlite::memory:, mysql://…, mariadb://…, and the other forms internal/dsn
// parses, SQLAlchemy's mysql+pymysql:// among them) and checks that
// it can connect. The caller closes the pool. Errors name the URL without
// its password.
func Pool(ctx context.Context, url string) (adapter.Pool, error) {
	d, err := dsn.Parse(url)
	if err != nil {
		return nil, err
	}
	var p adapter.Pool
	switch d.Kind {
	case dsn.Postgres:
		p, err = postgres.Open(ctx, d.URL)
	case dsn.SQLite:
		p, err = sqlite.Open(ctx, d.Path)
	case dsn.MySQL:
		var driverDSN string
		if driverDSN, err = d.MySQLDriverDSN(); err == nil {
			p, err = mysql.Open(ctx, driverDSN)
		}
	default:
		return nil, fmt.Errorf("open %s: %w: no adapter for %s", d.Redacted(), dsn.ErrUnsupported, d.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.Redacted(), err)
	}
	return p, nil
}

// Dialect returns the dialect of a URL, or of a dialect name ("postgres",
// "postgresql", "sqlite", "mysql" or "mariadb"), without connecting to
// anything.
func Dialect(urlOrName string) (adapter.Dialect, error) {
	kind, err := kindOf(urlOrName)
	if err != nil {
		return nil, err
	}
	switch kind {
	case dsn.Postgres:
		return postgres.Dialect{}, nil
	case dsn.SQLite:
		return sqlite.Dialect{}, nil
	case dsn.MySQL:
		return mysql.Dialect{}, nil
	}
	return nil, fmt.Errorf("unknown dialect %q (want postgres, sqlite or mysql)", kind.String())
}

func kindOf(urlOrName string) (dsn.Kind, error) {
	switch urlOrName {
	case "postgres", "postgresql":
		return dsn.Postgres, nil
	case "sqlite":
		return dsn.SQLite, nil
	case "mysql", "mariadb":
		return dsn.MySQL, nil
	}
	if !strings.Contains(urlOrName, ":") && !strings.Contains(urlOrName, "=") {
		return 0, fmt.Errorf("unknown dialect %q (want postgres, sqlite or mysql)", urlOrName)
	}
	d, err := dsn.Parse(urlOrName)
	if err != nil {
		return 0, err
	}
	return d.Kind, nil
}

// Engine is [engine.Open] with cfg.Opener set to [Opener] when it is nil,
// so that cfg.URL (or the default URL) names the database.
func Engine(ctx context.Context, cfg engine.Config) (*engine.Engine, error) {
	if cfg.Opener == nil {
		cfg.Opener = Opener{}
	}
	return engine.Open(ctx, cfg)
}
