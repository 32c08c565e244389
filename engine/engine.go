package engine

import (
	"context"
	"errors"
	"time"

	"github.com/retort-sql/retort/revgraph"
)

var errUnbuilt = errors.New("engine: not implemented")

// Engine runs migrations against one database. Its methods are safe for
// concurrent use; each call takes its own connection (or the shared one,
// which callers must then not use concurrently).
type Engine struct {
	cfg   Config
	graph *revgraph.Graph
}

// Applied is one revision that a run applied or reverted.
type Applied struct {
	Revision  string
	Message   string
	Direction revgraph.Direction
	Duration  time.Duration
}

// Result reports what a run did.
type Result struct {
	From     []string // version rows before the run
	To       []string // version rows after the run
	Applied  []Applied
	Duration time.Duration
}

// Open loads every script, builds and validates the revision graph and
// opens the database pool. Nothing is written to the database.
func Open(ctx context.Context, cfg Config) (*Engine, error) { return nil, errUnbuilt }

// Close releases the pool the engine opened. A caller's Pool or Conn is
// left open.
func (e *Engine) Close() error { return nil }

// Graph returns the revision graph.
func (e *Engine) Graph() *revgraph.Graph { return e.graph }

// Upgrade applies revisions up to target ("head", "heads", an id, a label,
// "+2", …).
func (e *Engine) Upgrade(ctx context.Context, target string) (*Result, error) {
	return nil, errUnbuilt
}

// Downgrade reverts revisions down to target ("base", an id, "-1", …).
func (e *Engine) Downgrade(ctx context.Context, target string) (*Result, error) {
	return nil, errUnbuilt
}

// Stamp sets the version rows to target without running any revision. With
// purge the current rows are discarded first.
func (e *Engine) Stamp(ctx context.Context, target string, purge bool) (*Result, error) {
	return nil, errUnbuilt
}

// Current returns the database's current revisions (version rows plus the
// revisions they imply through depends_on). It never creates or changes
// anything.
func (e *Engine) Current(ctx context.Context) ([]string, error) { return nil, errUnbuilt }

// Heads returns the graph's heads.
func (e *Engine) Heads() []string { return e.graph.Heads() }

// History returns the revisions of rangeSpec (a:b, :b, a:, or "" for all),
// newest first. A range that mentions "current" reads the database.
func (e *Engine) History(ctx context.Context, rangeSpec string) ([]*revgraph.Revision, error) {
	return nil, errUnbuilt
}

// Check returns nil when the database is at the graph's heads, and an error
// wrapping [ErrNotAtHead] otherwise.
func (e *Engine) Check(ctx context.Context) error { return errUnbuilt }

// ErrNotAtHead is returned by Check when upgrades are pending.
var ErrNotAtHead = errors.New("database is not at head")

// LoadGraph loads the scripts and Go revisions named by cfg and builds the
// revision graph, without opening any database. Commands that only read the
// graph (heads, branches, history, show) use it.
func LoadGraph(cfg Config) (*revgraph.Graph, error) { return nil, errUnbuilt }
