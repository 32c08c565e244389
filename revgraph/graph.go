package revgraph

import "errors"

// errUnbuilt is returned by the stub bodies below until the graph is
// implemented.
var errUnbuilt = errors.New("revgraph: not implemented")

// Graph is a validated, immutable revision graph.
type Graph struct {
	revs map[string]*Revision
}

// New builds and validates a graph. Every problem found is reported, joined
// with errors.Join.
func New(revs []Revision) (*Graph, error) { return nil, errUnbuilt }

// Len reports the number of revisions.
func (g *Graph) Len() int { return len(g.revs) }

// Get returns the revision with exactly this id.
func (g *Graph) Get(id string) (*Revision, bool) { r, ok := g.revs[id]; return r, ok }

// Revisions returns every revision, newest first (Alembic's walk order).
func (g *Graph) Revisions() []*Revision { return nil }

// Heads returns the revisions that no down_revision points at (the `heads`
// command), in a stable order.
func (g *Graph) Heads() []string { return nil }

// RealHeads returns the heads counting depends_on edges as well (the `heads`
// and `head` targets).
func (g *Graph) RealHeads() []string { return nil }

// Bases returns the revisions with no down_revision.
func (g *Graph) Bases() []string { return nil }

// BranchPoints returns the revisions with two or more down_revision children.
func (g *Graph) BranchPoints() []string { return nil }

// MergePoint reports whether id has two or more parents.
func (g *Graph) MergePoint(id string) bool { return false }

// Children returns the revisions whose down_revision names id.
func (g *Graph) Children(id string) []string { return nil }

// Labels returns the branch labels that apply to id, spread as Alembic
// spreads them (descendants, and ancestors up to the nearest branch or merge
// point).
func (g *Graph) Labels(id string) []string { return nil }

// Resolve turns a target spec (id, prefix, label, label@head, head, heads,
// base, relative forms) into revision ids. current holds the database's
// version rows, needed by relative forms; it may be nil.
func (g *Graph) Resolve(spec string, current []string) ([]string, error) { return nil, errUnbuilt }

// Upgrade plans the steps from the version rows in current up to target.
func (g *Graph) Upgrade(current []string, target string) (*Plan, error) { return nil, errUnbuilt }

// Downgrade plans the steps from the version rows in current down to target.
func (g *Graph) Downgrade(current []string, target string) (*Plan, error) { return nil, errUnbuilt }

// Stamp plans the version-row changes that make the table say target
// without running any revision. With purge the rows in current are ignored
// and replaced.
func (g *Graph) Stamp(current []string, target string, purge bool) (*Plan, error) {
	return nil, errUnbuilt
}

// Current returns the version rows plus every revision they imply through
// depends_on that has no applied child (Alembic's `current`).
func (g *Graph) Current(rows []string) ([]string, error) { return nil, errUnbuilt }

// History returns the revisions of a range (a:b, :b, a:, or "" for all),
// newest first. current resolves "current" in a range.
func (g *Graph) History(rangeSpec string, current []string) ([]*Revision, error) {
	return nil, errUnbuilt
}
