package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/retort-sql/retort/revgraph"
)

var (
	// ErrConnDone is returned by a [Conn] used after the function given to
	// [RunSync] has returned.
	ErrConnDone = errors.New("connection used after RunSync returned")
	// ErrIrreversible is wrapped by [IrreversibleError].
	ErrIrreversible = errors.New("revision is irreversible")
	// ErrNotAtHead is returned by Check when upgrades are pending.
	ErrNotAtHead = errors.New("database is not at head")
	// ErrClosed is returned by an Engine method called after Close.
	ErrClosed = errors.New("engine closed")
	// ErrNoRevisions is returned by Upgrade when the scripts and Go
	// revisions hold no revision at all (an empty or mistyped script
	// directory, an embed.FS that embedded nothing): there is nothing to
	// upgrade to, which is never the same as being at head.
	ErrNoRevisions = errors.New("the scripts hold no revision: no *.sql file in the script directory and no Go revision")
	// ErrNoTxInSharedTx is wrapped when a revision's section needs to run
	// outside a transaction but the engine runs inside a caller's
	// transaction.
	ErrNoTxInSharedTx = errors.New("section needs transaction=false but the engine runs inside the caller's transaction")
)

// RevisionError reports a failure while a revision ran. It names the
// revision and, for SQL revisions, the file, line and first line of the
// statement that failed.
type RevisionError struct {
	Revision  string
	Message   string
	Direction revgraph.Direction
	Path      string // script path; empty for Go revisions
	Line      int    // line of the failing statement; 0 when unknown
	Statement string // first line of the failing statement
	Err       error
}

func (e *RevisionError) Error() string {
	var b strings.Builder
	b.WriteString(e.Direction.String())
	b.WriteByte(' ')
	b.WriteString(e.Revision)
	if e.Message != "" {
		fmt.Fprintf(&b, " (%s)", e.Message)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
	}
	if e.Statement != "" {
		fmt.Fprintf(&b, ": %q", e.Statement)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *RevisionError) Unwrap() error { return e.Err }

// IrreversibleError reports a downgrade that would pass through a revision
// with no downgrade. It is returned before anything runs.
type IrreversibleError struct {
	Revision string
	Path     string
}

func (e *IrreversibleError) Error() string {
	where := ""
	if e.Path != "" {
		where = " (" + e.Path + " has no -- migrate:downgrade section)"
	}
	return "cannot downgrade through revision " + e.Revision + where + ": revision is irreversible"
}

func (e *IrreversibleError) Is(target error) bool { return target == ErrIrreversible }

// NotAtHeadError is returned by Check: the database's revisions and the
// revisions still pending.
type NotAtHeadError struct {
	Current []string
	Pending []string
}

func (e *NotAtHeadError) Error() string {
	cur := strings.Join(e.Current, ", ")
	if cur == "" {
		cur = "<base>"
	}
	return fmt.Sprintf("database is not at head: current %s, %d pending (%s)", cur, len(e.Pending), strings.Join(e.Pending, ", "))
}

func (e *NotAtHeadError) Is(target error) bool { return target == ErrNotAtHead }

// CommitError reports a transaction of the runner that did not commit: its
// COMMIT failed, or the migration lock was found lost just before it. The
// transaction was rolled back, so none of Revisions was applied; revisions
// committed earlier in the run (per-revision mode) stay applied and are in
// the run's Result.
type CommitError struct {
	// Revisions are the steps of the transaction, in order; empty when it
	// held bookkeeping only.
	Revisions []Applied
	Err       error
}

func (e *CommitError) Error() string {
	var b strings.Builder
	b.WriteString("commit")
	for i, a := range e.Revisions {
		if i == 0 {
			b.WriteByte(' ')
			b.WriteString(a.Direction.String())
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(a.Revision)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	b.WriteString(" (rolled back: nothing of this transaction was applied)")
	return b.String()
}

func (e *CommitError) Unwrap() error { return e.Err }
