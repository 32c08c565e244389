package sqlite

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/ncruces/go-sqlite3"
)

// rows is an [adapter.Rows] over a prepared statement. The statement's
// context stays bound to the connection until Close.
type rows struct {
	stmt    *sqlite3.Stmt
	ctx     context.Context
	restore func()
	err     error
	closed  bool
}

func (r *rows) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	if r.stmt.Step() {
		return true
	}
	if err := r.stmt.Err(); err != nil {
		r.err = wrapCtx(r.ctx, err)
	}
	return false
}

func (r *rows) Err() error { return r.err }

func (r *rows) Close() error {
	if r.closed {
		return r.err
	}
	r.closed = true
	if err := r.stmt.Close(); err != nil && r.err == nil {
		r.err = wrapCtx(r.ctx, err)
	}
	r.restore()
	return r.err
}

// Scan copies the current row into dest: *string, *[]byte, *int, *int64,
// *float64, *bool, *time.Time or *any. A NULL column leaves the zero value
// (nil for *any and *[]byte).
func (r *rows) Scan(dest ...any) error {
	if n := r.stmt.ColumnCount(); len(dest) != n {
		return fmt.Errorf("sqlite: scan: %d destinations for %d columns", len(dest), n)
	}
	for i, d := range dest {
		if err := scanColumn(r.stmt, i, d); err != nil {
			return fmt.Errorf("sqlite: scan column %d (%s): %w", i, r.stmt.ColumnName(i), err)
		}
	}
	return nil
}

func scanColumn(s *sqlite3.Stmt, i int, dest any) error {
	switch d := dest.(type) {
	case *string:
		*d = s.ColumnText(i)
	case *[]byte:
		if s.ColumnType(i) == sqlite3.NULL {
			*d = nil
		} else {
			*d = s.ColumnBlob(i, nil)
		}
	case *int64:
		*d = s.ColumnInt64(i)
	case *int:
		*d = s.ColumnInt(i)
	case *float64:
		*d = s.ColumnFloat(i)
	case *bool:
		*d = s.ColumnBool(i)
	case *time.Time:
		*d = s.ColumnTime(i, sqlite3.TimeFormatDefault)
	case *any:
		switch s.ColumnType(i) {
		case sqlite3.INTEGER:
			*d = s.ColumnInt64(i)
		case sqlite3.FLOAT:
			*d = s.ColumnFloat(i)
		case sqlite3.TEXT:
			*d = s.ColumnText(i)
		case sqlite3.BLOB:
			*d = s.ColumnBlob(i, nil)
		default:
			*d = nil
		}
	default:
		return fmt.Errorf("unsupported destination type %T", dest)
	}
	return nil
}

// bindArgs binds args by position.
func bindArgs(s *sqlite3.Stmt, args []any) error {
	if n := s.BindCount(); len(args) != n {
		return fmt.Errorf("sqlite: %d arguments for %d parameters", len(args), n)
	}
	for i, a := range args {
		p := i + 1
		var err error
		switch v := a.(type) {
		case nil:
			err = s.BindNull(p)
		case string:
			err = s.BindText(p, v)
		case []byte:
			if v == nil {
				err = s.BindNull(p)
			} else {
				err = s.BindBlob(p, v)
			}
		case bool:
			err = s.BindBool(p, v)
		case int:
			err = s.BindInt64(p, int64(v))
		case int8:
			err = s.BindInt64(p, int64(v))
		case int16:
			err = s.BindInt64(p, int64(v))
		case int32:
			err = s.BindInt64(p, int64(v))
		case int64:
			err = s.BindInt64(p, v)
		case uint8:
			err = s.BindInt64(p, int64(v))
		case uint16:
			err = s.BindInt64(p, int64(v))
		case uint32:
			err = s.BindInt64(p, int64(v))
		case uint:
			err = bindUint(s, p, uint64(v))
		case uint64:
			err = bindUint(s, p, v)
		case float32:
			err = s.BindFloat(p, float64(v))
		case float64:
			err = s.BindFloat(p, v)
		case time.Time:
			err = s.BindTime(p, v, sqlite3.TimeFormatDefault)
		default:
			return fmt.Errorf("sqlite: argument %d: unsupported type %T", p, a)
		}
		if err != nil {
			return fmt.Errorf("sqlite: argument %d: %w", p, err)
		}
	}
	return nil
}

func bindUint(s *sqlite3.Stmt, p int, v uint64) error {
	if v > math.MaxInt64 {
		return fmt.Errorf("value %d overflows int64", v)
	}
	return s.BindInt64(p, int64(v))
}
