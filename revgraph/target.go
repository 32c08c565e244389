package revgraph

import (
	"strings"
)

// Target is a command's TARGET argument, parsed once: a single target
// (head, heads, base, current, an id or prefix, a label, label@head,
// label@rev, or a relative form such as +2, -1, rev+1, label@-1) or a range
// from:to (history and offline SQL). The zero value is the empty target.
type Target struct {
	raw      string
	isRange  bool
	from, to string
	relative bool // needs the version rows: +N, -N, label@±N (no symbol)
}

// ParseTarget parses s. A range has exactly one colon; its ends are single
// targets, either of which may be empty (:b, a:). Nothing is resolved
// against a graph: see [Graph.CheckTarget].
func ParseTarget(s string) (Target, error) {
	t := Target{raw: s}
	if from, to, ok := strings.Cut(s, ":"); ok {
		if strings.Contains(to, ":") {
			return Target{}, &RangeError{Reason: "range " + s + " has more than one colon"}
		}
		t.isRange, t.from, t.to = true, from, to
		t.relative = isRelative(from) || isRelative(to)
		return t, nil
	}
	t.to = s
	t.relative = isRelative(s)
	return t, nil
}

// isRelative reports whether a single target counts from the version rows.
func isRelative(s string) bool {
	m, ok := matchRelative(s)
	return ok && !m.hasSymbol
}

// String returns the target as written.
func (t Target) String() string { return t.raw }

// IsRange reports whether the target is a range from:to.
func (t Target) IsRange() bool { return t.isRange }

// Range returns the ends of a range (either may be empty), or "" and the
// whole target when it is not one.
func (t Target) Range() (from, to string) { return t.from, t.to }

// Relative reports whether the target counts from the database's version
// rows (+2, -1, label@+1, label@-1, on either end of a range), so that it
// can be resolved only once the rows are read.
func (t Target) Relative() bool { return t.relative }

// NamesCurrent reports whether the target, or an end of the range, is
// "current": the database's version rows.
func (t Target) NamesCurrent() bool {
	return t.to == "current" || t.isRange && t.from == "current"
}

// NeedsRows reports whether the target can be resolved only with the
// database's version rows.
func (t Target) NeedsRows() bool { return t.relative || t.NamesCurrent() }

// CheckTarget resolves, against the graph alone, the parts of a single
// target that do not depend on the version rows, so that a typo fails
// before any database is touched. For a downgrade, label@rev follows
// Alembic: rev is any revision (an ancestor of the branch through
// depends_on included), and the label must exist. Targets that need the
// version rows pass.
func (g *Graph) CheckTarget(t Target, dir Direction) error {
	if t.isRange {
		return &RangeError{Reason: "range " + t.raw + " is not a single target"}
	}
	if t.NeedsRows() {
		return nil
	}
	if dir == Down {
		branch, _, err := g.parseDowngradeTarget(listSpec(nil), t.raw, true)
		if err != nil {
			return err
		}
		if branch != "" {
			if _, err := g.resolveBranch(branch); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := g.Resolve(t.raw, nil)
	return err
}

// ValidLabel reports whether s may be a branch label: one or more ASCII
// letters, digits, '_' and '.'. The characters that target syntax gives a
// meaning ('@', ':', '+', '-', ',') are not among them, so that a label
// always reads as a label in label@head, label@-1 or a range.
func ValidLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
