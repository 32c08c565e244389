package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// workload is a linear chain of n revisions; up[i] and down[i] are the
// statements of revision i.
type workload struct {
	name string
	n    int
	up   [][]string
	down [][]string
}

// trivial is W1/W2: each revision creates one small table.
func trivial(n int) *workload {
	w := &workload{name: "trivial", n: n}
	for i := range n {
		w.up = append(w.up, []string{fmt.Sprintf("CREATE TABLE t_%d (id int primary key, v text)", i)})
		w.down = append(w.down, []string{fmt.Sprintf("DROP TABLE t_%d", i)})
	}
	return w
}

// dataRows is W3: each revision creates a table and inserts rows rows into
// it with one multi-row INSERT.
func dataRows(n, rows int) *workload {
	w := &workload{name: fmt.Sprintf("data%d", rows), n: n}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO d_%d (id, v) VALUES ", i)
		for r := range rows {
			if r > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "(%d,'row %d of %d')", r, r, i)
		}
		w.up = append(w.up, []string{fmt.Sprintf("CREATE TABLE d_%d (id int primary key, v text)", i), b.String()})
		w.down = append(w.down, []string{fmt.Sprintf("DROP TABLE d_%d", i)})
	}
	return w
}

// upStatements and downStatements are the floor's statements: every
// revision's, in the order a full upgrade or downgrade runs them.
func (w *workload) upStatements() []string {
	var out []string
	for _, s := range w.up {
		out = append(out, s...)
	}
	return out
}

func (w *workload) downStatements() []string {
	var out []string
	for i := len(w.down) - 1; i >= 0; i-- {
		out = append(out, w.down[i]...)
	}
	return out
}

func revID(i int) string { return fmt.Sprintf("r%05d", i) }

func body(stmts []string) string {
	return strings.Join(stmts, ";\n") + ";\n"
}

// write generates the workload's scripts in each tool's format under dir:
// dir/retort, dir/goose, dir/migrate.
func (w *workload) write(dir string) error {
	for _, sub := range []string{"retort", "goose", "migrate"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for i := range w.n {
		down := ""
		if i > 0 {
			down = "-- migrate:down_revision " + revID(i-1) + "\n"
		}
		retort := "-- migrate:revision " + revID(i) + "\n" + down +
			"-- migrate:message revision " + revID(i) + "\n\n-- migrate:upgrade\n" + body(w.up[i]) +
			"\n-- migrate:downgrade\n" + body(w.down[i])
		goose := "-- +goose Up\n" + body(w.up[i]) + "\n-- +goose Down\n" + body(w.down[i])
		files := map[string]string{
			filepath.Join("retort", fmt.Sprintf("%05d_%s.sql", i+1, revID(i))): retort,
			filepath.Join("goose", fmt.Sprintf("%05d_rev.sql", i+1)):           goose,
			filepath.Join("migrate", fmt.Sprintf("%05d_rev.up.sql", i+1)):      body(w.up[i]),
			filepath.Join("migrate", fmt.Sprintf("%05d_rev.down.sql", i+1)):    body(w.down[i]),
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
