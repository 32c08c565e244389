package engine

import (
	"context"

	"github.com/retort-sql/retort/adapter"
)

// Conn is the synchronous connection given to the runner and to Go
// revisions. It carries the ctx passed to [RunSync]: a cancel interrupts the
// statement in flight. It is valid only until the function given to RunSync
// returns and must not be shared between goroutines.
type Conn interface {
	Exec(sql string, args ...any) (int64, error)
	Query(sql string, args ...any) (adapter.Rows, error)
	// Dialect is "postgres" or "sqlite".
	Dialect() string
}

// RunSync runs fn on the calling goroutine with a Conn bound to ctx over q.
func RunSync(ctx context.Context, q adapter.Querier, fn func(Conn) error) error {
	return errUnbuilt
}
