package engine

import (
	"context"
	"errors"

	"github.com/retort-sql/retort/adapter"
)

// Opener turns a database URL into a pool, or into a dialect for offline
// mode, so that the engine itself imports no adapter: a program that uses
// only adapter/postgres links nothing of SQLite. The open package's
// open.Opener knows every URL Retort accepts; open.Engine sets it for you.
// An Opener must be safe for concurrent use ([UpgradeAll] opens targets
// concurrently).
type Opener interface {
	// Open connects to url and returns a pool, which the engine closes
	// with itself. Its errors must not contain the URL's password.
	Open(ctx context.Context, url string) (adapter.Pool, error)
	// Dialect returns the dialect of url, or of a bare dialect name such
	// as "postgres" or "sqlite" (Config.Dialect), without connecting.
	Dialect(urlOrName string) (adapter.Dialect, error)
}

// ErrNoOpener is returned by [Open] when Config names the database by URL
// (or by nothing, meaning [DefaultURL]) but has no Opener: set
// Config.Opener to open.Opener{}, call open.Engine instead of Open, or pass
// a Pool or Conn.
var ErrNoOpener = errors.New("engine: a database URL needs Config.Opener (use open.Engine, or set Opener, Pool or Conn)")
