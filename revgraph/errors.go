package revgraph

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every typed error of this package matches one of them
// with errors.Is, so callers can test the kind of a failure without a type
// assertion.
var (
	ErrDuplicate     = errors.New("duplicate revision")
	ErrMissing       = errors.New("missing revision")
	ErrLabel         = errors.New("invalid branch label")
	ErrCycle         = errors.New("revision cycle")
	ErrInvalid       = errors.New("invalid revision")
	ErrNotFound      = errors.New("revision not found")
	ErrAmbiguous     = errors.New("ambiguous revision")
	ErrMultipleHeads = errors.New("multiple heads")
	ErrRange         = errors.New("invalid revision range")
	ErrRelative      = errors.New("invalid relative revision")
	ErrDependency    = errors.New("dependency violation")
	ErrOverlap       = errors.New("overlapping revisions")
)

func where(id, origin string) string {
	if origin == "" {
		return id
	}
	return id + " (" + origin + ")"
}

// DuplicateError reports a revision id declared twice.
type DuplicateError struct {
	ID      string
	Origins []string // origins of each declaration, possibly empty strings
}

func (e *DuplicateError) Error() string {
	var parts []string
	for _, o := range e.Origins {
		if o != "" {
			parts = append(parts, o)
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("revision %s is declared %d times", e.ID, len(e.Origins))
	}
	return fmt.Sprintf("revision %s is declared %d times: %s", e.ID, len(e.Origins), strings.Join(parts, ", "))
}

// Is reports whether target is ErrDuplicate.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// MissingParentError reports a down_revision, or a depends_on entry, that
// names no known revision (or, for depends_on, no branch label either).
type MissingParentError struct {
	Revision  string
	Origin    string
	Missing   string
	DependsOn bool // the name came from depends_on rather than down_revision
}

func (e *MissingParentError) Error() string {
	if e.DependsOn {
		return fmt.Sprintf("revision %s depends on %s, which is neither a revision nor a branch label", where(e.Revision, e.Origin), e.Missing)
	}
	return fmt.Sprintf("revision %s has down_revision %s, which does not exist", where(e.Revision, e.Origin), e.Missing)
}

// Is reports whether target is ErrMissing.
func (e *MissingParentError) Is(target error) bool { return target == ErrMissing }

// LabelError reports a branch label declared twice or equal to a revision
// id.
type LabelError struct {
	Label     string
	Revisions []string // the revisions involved, with origins when known
	Reason    string
}

func (e *LabelError) Error() string {
	return fmt.Sprintf("branch label %q %s: %s", e.Label, e.Reason, strings.Join(e.Revisions, ", "))
}

// Is reports whether target is ErrLabel.
func (e *LabelError) Is(target error) bool { return target == ErrLabel }

// InvalidError reports a malformed revision (empty id, forbidden character,
// empty label).
type InvalidError struct {
	Revision string
	Reason   string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("revision %s is invalid: %s", e.Revision, e.Reason)
}

// Is reports whether target is ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// CycleError reports revisions that take part in (or hang below) a cycle.
type CycleError struct {
	Revisions []string
	// ThroughDependsOn is set when the cycle only exists once depends_on
	// edges are counted.
	ThroughDependsOn bool
}

func (e *CycleError) Error() string {
	kind := "cycle"
	if e.ThroughDependsOn {
		kind = "cycle through depends_on"
	}
	return fmt.Sprintf("%s detected in revisions %s", kind, strings.Join(e.Revisions, ", "))
}

// Is reports whether target is ErrCycle.
func (e *CycleError) Is(target error) bool { return target == ErrCycle }

// NotFoundError reports a name that resolves to no revision or label.
type NotFoundError struct {
	Name   string
	Branch string // set when the revision is not a member of this branch
	Detail string
}

func (e *NotFoundError) Error() string {
	if e.Branch != "" {
		return fmt.Sprintf("revision %s is not a member of branch %q", e.Name, e.Branch)
	}
	if e.Detail != "" {
		return fmt.Sprintf("no such revision or branch %q: %s", e.Name, e.Detail)
	}
	return fmt.Sprintf("no such revision or branch %q", e.Name)
}

// Is reports whether target is ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// AmbiguousPrefixError reports a prefix that matches several revisions or
// labels.
type AmbiguousPrefixError struct {
	Prefix     string
	Candidates []string
}

func (e *AmbiguousPrefixError) Error() string {
	return fmt.Sprintf("prefix %q is ambiguous: it matches %s", e.Prefix, strings.Join(e.Candidates, ", "))
}

// Is reports whether target is ErrAmbiguous.
func (e *AmbiguousPrefixError) Is(target error) bool { return target == ErrAmbiguous }

// MultipleHeadsError reports a target that names several heads where one
// is needed.
type MultipleHeadsError struct {
	Target string
	Heads  []string
}

func (e *MultipleHeadsError) Error() string {
	return fmt.Sprintf("multiple heads for %q: %s; name one of them, use <branch>@head to narrow to one branch, or heads for all heads",
		e.Target, strings.Join(e.Heads, ", "))
}

// Is reports whether target is ErrMultipleHeads.
func (e *MultipleHeadsError) Is(target error) bool { return target == ErrMultipleHeads }

// RangeError reports a range or a target that does not lie along one
// branch from the current revisions, or a malformed range.
type RangeError struct {
	Lower, Upper string
	Reason       string
}

func (e *RangeError) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("range %s:%s is not ancestor/descendant along the same branch", e.Lower, e.Upper)
}

// Is reports whether target is ErrRange.
func (e *RangeError) Is(target error) bool { return target == ErrRange }

// RelativeError reports a relative move (+N, -N, rev+N, label@-N) that
// cannot be made: too short a walk, or an ambiguous one.
type RelativeError struct {
	Spec   string
	Reason string
}

func (e *RelativeError) Error() string {
	if strings.HasPrefix(e.Reason, "didn't") {
		return fmt.Sprintf("relative revision %s %s", e.Spec, e.Reason)
	}
	return fmt.Sprintf("relative revision %s: %s", e.Spec, e.Reason)
}

// Is reports whether target is ErrRelative.
func (e *RelativeError) Is(target error) bool { return target == ErrRelative }

// DependencyError reports a downgrade target that is applied only as a
// dependency of the current heads, so reverting to it would break another
// applied revision.
type DependencyError struct {
	Target     string
	Dependents []string
}

func (e *DependencyError) Error() string {
	if len(e.Dependents) == 0 {
		return fmt.Sprintf("destination %s is not a valid downgrade target from current head(s)", e.Target)
	}
	return fmt.Sprintf("destination %s is not a valid downgrade target from current head(s): applied revision %s depends on it",
		e.Target, strings.Join(e.Dependents, ", "))
}

// Is reports whether target is ErrDependency.
func (e *DependencyError) Is(target error) bool { return target == ErrDependency }

// OverlapError reports requested revisions of which one is an ancestor of
// another (for example version rows that are not all heads).
type OverlapError struct {
	Revision string
	Others   []string
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("requested revision %s overlaps with other requested revisions %s", e.Revision, strings.Join(e.Others, ", "))
}

// Is reports whether target is ErrOverlap.
func (e *OverlapError) Is(target error) bool { return target == ErrOverlap }
