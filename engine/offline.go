package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/retort-sql/retort/adapter"
)

// ErrOffline is wrapped by every Query made in offline mode: there is no
// database to read from.
var ErrOffline = errors.New("not available in offline mode: there is no database to query")

// offlineDialect picks the dialect for offline mode: the caller's
// connection or pool, Config.Dialect, or the URL's scheme.
func offlineDialect(cfg *Config) (adapter.Dialect, error) {
	switch {
	case cfg.Conn != nil:
		return cfg.Conn.Dialect(), nil
	case cfg.Pool != nil:
		return cfg.Pool.Dialect(), nil
	}
	name := cfg.Dialect
	if name == "" {
		name = cfg.URL
	}
	if name == "" {
		name = DefaultURL
	}
	if cfg.Opener == nil {
		return nil, ErrNoOpener
	}
	return cfg.Opener.Dialect(name)
}

// recorder is the adapter.Conn of offline mode: it writes every statement
// it is given, with its arguments inlined as literals, instead of running
// it.
type recorder struct {
	w   io.Writer
	d   adapter.Dialect
	err error // first write error
}

var (
	_ adapter.Conn = (*recorder)(nil)
	_ adapter.Tx   = (*recorderTx)(nil)
)

func (r *recorder) write(s string) {
	if r.err == nil {
		_, r.err = io.WriteString(r.w, s)
	}
}

func (r *recorder) comment(text string) { r.write("-- " + text + "\n\n") }

func (r *recorder) Exec(_ context.Context, sql string, args ...any) (int64, error) {
	text, err := r.inline(sql, args)
	if err != nil {
		return 0, err
	}
	r.write(terminate(text))
	// Every version-row statement touches exactly one row.
	return 1, r.err
}

// terminate ends one statement of an offline script. A statement whose last
// line holds "--" may end in a line comment, which would swallow a
// terminator on the same line: psql and sqlite3 would then run it together
// with the next statement. Its terminator goes on a line of its own.
func terminate(sql string) string {
	sql = strings.TrimSpace(sql)
	last := sql[strings.LastIndexByte(sql, '\n')+1:]
	if strings.Contains(last, "--") {
		return sql + "\n;\n\n"
	}
	return strings.TrimRight(sql, ";") + ";\n\n"
}

func (r *recorder) Query(_ context.Context, sql string, _ ...any) (adapter.Rows, error) {
	return nil, fmt.Errorf("query %q: %w", firstLine(sql), ErrOffline)
}

func (r *recorder) Begin(context.Context) (adapter.Tx, error) {
	r.write("BEGIN;\n\n")
	return &recorderTx{r}, r.err
}

func (r *recorder) InTx() bool               { return false }
func (r *recorder) Dialect() adapter.Dialect { return r.d }
func (r *recorder) Release()                 {}

// inline replaces $N (PostgreSQL) or ? (SQLite) placeholders with literals.
// Only the engine's own version-table statements carry arguments.
func (r *recorder) inline(sql string, args []any) (string, error) {
	if len(args) == 0 {
		return sql, nil
	}
	lit := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			lit[i] = r.d.Literal(v)
		case int:
			lit[i] = strconv.Itoa(v)
		case int64:
			lit[i] = strconv.FormatInt(v, 10)
		case nil:
			lit[i] = "NULL"
		case sessionNow:
			lit[i] = r.nowSQL()
		default:
			return "", fmt.Errorf("offline mode cannot render argument of type %T", a)
		}
	}
	var b strings.Builder
	next := 0
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case c == '?' && next < len(lit):
			b.WriteString(lit[next])
			next++
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '1' && sql[i+1] <= '9':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			n, _ := strconv.Atoi(sql[i+1 : j])
			if n < 1 || n > len(lit) {
				return "", fmt.Errorf("offline mode: placeholder $%d without argument", n)
			}
			b.WriteString(lit[n-1])
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// sessionNow stands, in offline mode, for the applying session's clock: the
// script records when it ran, not when it was generated.
type sessionNow struct{}

// nowSQL is the SQL expression of the applying session's clock, in the form
// the history table stores online.
func (r *recorder) nowSQL() string { return r.d.HistoryNow() }

type recorderTx struct{ r *recorder }

func (t *recorderTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	return t.r.Exec(ctx, sql, args...)
}

func (t *recorderTx) Query(ctx context.Context, sql string, args ...any) (adapter.Rows, error) {
	return t.r.Query(ctx, sql, args...)
}

func (t *recorderTx) Commit(context.Context) error {
	t.r.write("COMMIT;\n\n")
	return t.r.err
}

// Rollback writes nothing: a run that fails in offline mode reports its
// error, and the script written so far is incomplete anyway.
func (t *recorderTx) Rollback(context.Context) error { return nil }
