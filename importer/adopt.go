package importer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/engine"
)

// Tool names another migration tool.
type Tool string

// The tools import and adopt know.
const (
	ToolAlembic       Tool = "alembic"
	ToolGoose         Tool = "goose"
	ToolGolangMigrate Tool = "golang-migrate"
)

// DefaultTable is the version table each tool keeps by default.
func (t Tool) DefaultTable() string {
	switch t {
	case ToolAlembic:
		return "alembic_version"
	case ToolGoose:
		return "goose_db_version"
	case ToolGolangMigrate:
		return "schema_migrations"
	}
	return ""
}

// State is what another tool's version table says of a database.
type State struct {
	Tool  Tool
	Table adapter.Ident
	// Heads are the Retort revision ids the database is at: the rows of
	// alembic_version; the latest applied goose version; the version of
	// schema_migrations. Empty when nothing is applied.
	Heads []string
	// Applied lists, for goose, every version applied, in order: the
	// chain below the head must be exactly these.
	Applied []string
}

// ErrDirty is wrapped by [ReadState] when golang-migrate's
// schema_migrations marks its version dirty: a migration failed half-way
// and the schema is in no known state.
var ErrDirty = errors.New("dirty")

// ReadState reads the version table of tool over q, which talks to a
// database of the given dialect ("postgres" or "sqlite"). table is the
// table's name ("schema.table" allowed); "" means the tool's default.
// Nothing is written.
func ReadState(ctx context.Context, q adapter.Querier, d adapter.Dialect, tool Tool, table string) (*State, error) {
	if tool.DefaultTable() == "" {
		return nil, fmt.Errorf("adopt: unknown tool %q (want alembic, goose or golang-migrate)", tool)
	}
	t, err := engine.ParseTableName(table, tool.DefaultTable())
	if err != nil {
		return nil, err
	}
	st := &State{Tool: tool, Table: t}
	qt := d.QuoteIdent(t)
	name := t.Name
	if t.Schema != "" {
		name = t.Schema + "." + t.Name
	}
	read := func(sql string, scan func(adapter.Rows) error) error {
		rows, err := q.Query(ctx, sql)
		if err != nil {
			return fmt.Errorf("adopt %s: read %s (is this the database %s manages? --from-table names another table): %w", tool, name, tool, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("adopt %s: read %s: %w", tool, name, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("adopt %s: read %s: %w", tool, name, err)
		}
		return rows.Close()
	}
	switch tool {
	case ToolAlembic:
		err = read("SELECT version_num FROM "+qt+" ORDER BY version_num", func(r adapter.Rows) error {
			var v string
			if err := r.Scan(&v); err != nil {
				return err
			}
			st.Heads = append(st.Heads, v)
			return nil
		})
	case ToolGoose:
		// goose appends a row per apply and per revert; the last row of a
		// version says whether it is applied.
		applied := map[int64]bool{}
		err = read("SELECT version_id, is_applied FROM "+qt+" ORDER BY id", func(r adapter.Rows) error {
			var v int64
			var ok bool
			if err := r.Scan(&v, &ok); err != nil {
				return err
			}
			if v > 0 {
				applied[v] = ok
			}
			return nil
		})
		var vs []int64
		for v, ok := range applied {
			if ok {
				vs = append(vs, v)
			}
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
		for _, v := range vs {
			st.Applied = append(st.Applied, versionID(uint64(v)))
		}
		if n := len(vs); n > 0 {
			st.Heads = []string{versionID(uint64(vs[n-1]))}
		}
	case ToolGolangMigrate:
		type row struct {
			v     int64
			dirty bool
		}
		var rows []row
		err = read("SELECT version, dirty FROM "+qt, func(r adapter.Rows) error {
			var x row
			if err := r.Scan(&x.v, &x.dirty); err != nil {
				return err
			}
			rows = append(rows, x)
			return nil
		})
		if err == nil && len(rows) > 1 {
			err = fmt.Errorf("adopt golang-migrate: %s holds %d rows; golang-migrate keeps one", name, len(rows))
		}
		if err == nil && len(rows) == 1 {
			switch {
			case rows[0].dirty:
				err = fmt.Errorf("adopt golang-migrate: %s says version %d is %w: a migration failed half-way; repair the schema and run `migrate force VERSION` with golang-migrate first", name, rows[0].v, ErrDirty)
			case rows[0].v >= 0:
				st.Heads = []string{versionID(uint64(rows[0].v))}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// ErrUnknownRevision is wrapped by [Adopt] when the other tool's table
// names a version the scripts do not hold.
var ErrUnknownRevision = errors.New("no such revision in the scripts")

// AdoptResult says what [Adopt] did.
type AdoptResult struct {
	// From are the version rows Retort's table held before; To are the
	// rows it holds after.
	From, To []string
	// Changed is false when the table held the state already, or when the
	// other tool's table is Retort's own (alembic_version used as the
	// version table): nothing was written.
	Changed bool
	// Shared reports that the other tool's table is Retort's version
	// table.
	Shared bool
}

// Adopt records st in e's version and history tables by stamping its
// heads, running no revision. It first checks that every head is a
// revision of e's scripts and, for goose, that the versions applied are
// exactly the chain below the head. When the version table already holds
// st's heads nothing is written, so Adopt is repeatable. With an offline
// engine ([engine.Config.Offline]) the statements are written there
// instead, from the state current gives (Retort's version rows, read by
// the caller).
func Adopt(ctx context.Context, e *engine.Engine, st *State, current []string) (*AdoptResult, error) {
	g := e.Graph()
	for _, h := range st.Heads {
		if _, ok := g.Get(h); !ok {
			return nil, fmt.Errorf("adopt %s: %s names %s: %w (import the migrations first: migrate import %s)", st.Tool, st.Table.Name, h, ErrUnknownRevision, st.Tool)
		}
	}
	if st.Tool == ToolGoose && len(st.Heads) == 1 {
		var chain []string
		for id := st.Heads[0]; id != ""; {
			chain = append(chain, id)
			r, _ := g.Get(id)
			if r == nil || len(r.Down) == 0 {
				break
			}
			id = r.Down[0]
		}
		slices.Reverse(chain)
		if !slices.Equal(chain, st.Applied) {
			return nil, fmt.Errorf("adopt goose: %s has versions %s applied, but the chain up to %s is %s: apply or revert the missing ones with goose first",
				st.Table.Name, strings.Join(st.Applied, ", "), st.Heads[0], strings.Join(chain, ", "))
		}
	}
	res := &AdoptResult{From: current, To: st.Heads}
	if vt := e.VersionTable(); vt == st.Table {
		res.Shared, res.To = true, current
		return res, nil
	}
	want := slices.Clone(st.Heads)
	have := slices.Clone(current)
	slices.Sort(want)
	slices.Sort(have)
	if slices.Equal(want, have) {
		return res, nil
	}
	if len(current) > 0 {
		return nil, fmt.Errorf("adopt %s: %s already holds %s, not %s: Retort manages this database already (use migrate stamp to change it)",
			st.Tool, e.VersionTable().Name, strings.Join(current, ", "), strings.Join(st.Heads, ", "))
	}
	for _, h := range st.Heads {
		if _, err := e.Stamp(ctx, h, false); err != nil {
			return nil, fmt.Errorf("adopt %s: %w", st.Tool, err)
		}
	}
	res.Changed = true
	return res, nil
}
