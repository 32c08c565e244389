package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/retort-sql/retort/adapter"
)

// BeginBatch implements [adapter.Batcher]: BEGIN and stmts go to the server
// as one extended-protocol batch (unnamed statements, text parameters, one
// Sync), so that the whole transaction up to its COMMIT costs one round
// trip. A connection set to the simple protocol (default_query_exec_mode
// in the URL, for poolers that need it) does not batch.
func (c *conn) BeginBatch(ctx context.Context, stmts []adapter.Statement) (adapter.Tx, []int64, bool, error) {
	if c.raw == nil || c.raw.Config().DefaultQueryExecMode == pgx.QueryExecModeSimpleProtocol {
		return nil, nil, false, nil
	}
	var b pgconn.Batch
	first := 0
	if !c.inTx {
		b.ExecParams("BEGIN", nil, nil, nil, nil)
		first = 1
	}
	for _, s := range stmts {
		vals, ok := textParams(s.Args)
		if !ok {
			// A value only pgx's own encoding knows: nothing was sent, the
			// caller runs the statements one at a time.
			return nil, nil, false, nil
		}
		b.ExecParams(s.SQL, vals, nil, nil, nil)
	}
	results, err := c.raw.PgConn().ExecBatch(ctx, &b).ReadAll()
	if err != nil {
		idx := len(results) - first
		err = c.wrapErr(ctx, err)
		if !c.inTx && !c.raw.IsClosed() {
			// The server skipped the rest of the batch; end the failed
			// transaction. A rollback error is joined: the connection is
			// then destroyed on Release (pgxpool drops a connection left in
			// a transaction).
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			if _, rerr := c.raw.Exec(rctx, "ROLLBACK"); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
			cancel()
		}
		if idx >= len(stmts) {
			idx = -1
		}
		return nil, nil, true, &adapter.BatchError{Index: idx, Err: err}
	}
	affected := make([]int64, len(stmts))
	for i := range stmts {
		affected[i] = results[first+i].CommandTag.RowsAffected()
	}
	if c.inTx {
		return &tx{c: c}, affected, true, nil
	}
	return &batchTx{c: c}, affected, true, nil
}

// rollbackTimeout bounds the ROLLBACK that ends a failed batch after the
// caller's ctx is done.
const rollbackTimeout = 10 * time.Second

// textParams renders the values of a batch statement in text format (the
// server infers their types from the statement); ok is false for a type it
// does not know.
func textParams(args []any) (out [][]byte, ok bool) {
	if len(args) == 0 {
		return nil, true
	}
	out = make([][]byte, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
		case string:
			out[i] = []byte(v)
		case int:
			out[i] = strconv.AppendInt(nil, int64(v), 10)
		case int32:
			out[i] = strconv.AppendInt(nil, int64(v), 10)
		case int64:
			out[i] = strconv.AppendInt(nil, v, 10)
		case float64:
			out[i] = strconv.AppendFloat(nil, v, 'g', -1, 64)
		case bool:
			out[i] = strconv.AppendBool(nil, v)
		default:
			return nil, false
		}
	}
	return out, true
}

// batchTx is the transaction a batch began: its BEGIN went through pgconn,
// so it ends with plain COMMIT and ROLLBACK statements.
type batchTx struct {
	c    *conn
	done bool
}

func (t *batchTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t *batchTx) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t *batchTx) Commit(ctx context.Context) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	t.done = true
	tag, err := t.c.raw.Exec(ctx, "COMMIT")
	if err != nil {
		return t.c.wrapErr(ctx, err)
	}
	if tag.String() == "ROLLBACK" {
		// COMMIT of a failed transaction rolls back.
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// CommitBatch implements [adapter.BatchTx].
func (t *batchTx) CommitBatch(ctx context.Context, stmts []adapter.Statement) error {
	if t.done {
		return pgx.ErrTxClosed
	}
	var b pgconn.Batch
	for _, s := range stmts {
		vals, ok := textParams(s.Args)
		if !ok {
			return t.commitOneByOne(ctx, stmts)
		}
		b.ExecParams(s.SQL, vals, nil, nil, nil)
	}
	b.ExecParams("COMMIT", nil, nil, nil, nil)
	t.done = true
	results, err := t.c.raw.PgConn().ExecBatch(ctx, &b).ReadAll()
	if err != nil {
		err = t.c.wrapErr(ctx, err)
		if len(results) < len(stmts) {
			// COMMIT did not run: the transaction is still open, failed.
			if rerr := t.rollback(ctx); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
		}
		return &adapter.BatchError{Index: len(results), Err: err}
	}
	if tag := results[len(results)-1].CommandTag; tag.String() == "ROLLBACK" {
		return &adapter.BatchError{Index: len(stmts), Err: pgx.ErrTxCommitRollback}
	}
	return nil
}

// commitOneByOne is CommitBatch for statements whose values only pgx's own
// encoding knows: one statement at a time, then COMMIT.
func (t *batchTx) commitOneByOne(ctx context.Context, stmts []adapter.Statement) error {
	for i, s := range stmts {
		if _, err := t.c.Exec(ctx, s.SQL, s.Args...); err != nil {
			t.done = true
			if rerr := t.rollback(ctx); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rerr))
			}
			return &adapter.BatchError{Index: i, Err: err}
		}
	}
	if err := t.Commit(ctx); err != nil {
		return &adapter.BatchError{Index: len(stmts), Err: err}
	}
	return nil
}

// rollback ends a failed transaction, even after ctx is done.
func (t *batchTx) rollback(ctx context.Context) error {
	if t.c.raw.IsClosed() {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, err := t.c.raw.Exec(rctx, "ROLLBACK")
	return err
}

func (t *batchTx) Rollback(ctx context.Context) error {
	if t.done {
		return nil
	}
	t.done = true
	if _, err := t.c.raw.Exec(ctx, "ROLLBACK"); err != nil {
		return t.c.wrapErr(ctx, err)
	}
	return nil
}
