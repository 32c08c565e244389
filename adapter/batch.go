package adapter

import (
	"context"
	"fmt"
)

// Statement is one statement of a batch: SQL text with positional
// parameters in the database's style, and their values (strings, integers,
// booleans or nil).
type Statement struct {
	SQL  string
	Args []any
}

// Batcher is implemented by a [Conn] that can begin a transaction and run
// several statements in it in one round trip to the server (PostgreSQL's
// extended protocol: one Sync for the whole batch). The engine uses it in
// per-revision mode, where a revision's BEGIN, statements and bookkeeping
// would otherwise cost a round trip each.
type Batcher interface {
	// BeginBatch begins a transaction and runs stmts in it, in order. On
	// success it returns the open transaction and the rows each statement
	// affected; the caller checks them and commits or rolls back. When a
	// statement fails, the statements after it do not run, the transaction
	// is rolled back and the error is a *[BatchError] whose Index names the
	// statement (-1 for the BEGIN or the connection itself). Inside a
	// caller's transaction (InTx) no BEGIN is sent and the returned Tx's
	// Commit and Rollback do nothing, as with Begin.
	//
	// ok is false when the connection cannot batch now (say, it is set to
	// PostgreSQL's simple protocol); nothing was sent, and the caller runs
	// the statements one at a time instead.
	BeginBatch(ctx context.Context, stmts []Statement) (tx Tx, affected []int64, ok bool, err error)
}

// BatchError reports the statement of a batch that failed.
type BatchError struct {
	Index int // into the statements given; -1: the batch as a whole
	Err   error
}

func (e *BatchError) Error() string {
	if e.Index < 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("statement %d of the batch: %v", e.Index+1, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// BatchTx is implemented by the Tx that [Batcher.BeginBatch] returns when it
// can end the transaction in a batch too: CommitBatch runs stmts and then
// COMMIT in one round trip. When a statement fails, the rest do not run, the
// transaction is rolled back and the error is a *[BatchError] (Index
// len(stmts) for the COMMIT itself). Statements whose outcome must be
// checked before the COMMIT belong in BeginBatch, not here.
type BatchTx interface {
	Tx
	CommitBatch(ctx context.Context, stmts []Statement) error
}
