package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	"github.com/pressly/goose/v3"
)

// W4 tool names, as they appear in the report.
const (
	toolCLIHeads       = "retort-cli heads"
	toolCLIHistory     = "retort-cli history"
	toolCLIPlan        = "retort-cli upgrade --sql"
	toolGooseStatus    = "goose status"
	toolReadLoop       = "go read loop (sequential)"
	toolAlembicHeads   = "alembic heads"
	toolMigrateVersion = "golang-migrate version"
	opStatus           = "status"
	opForce            = "force"
	graphFolderSize    = 1000 // scripts per sub-folder of the W4 script tree
	graphBranchEvery   = 100  // one revision in graphBranchEvery is a branch point
	graphBranchLength  = 20   // revisions on each side of a branch before the merge
)

// graphID is revision i's id: 12 hex digits, as generated ids are, spread
// over the id space so that prefixes do not follow the order of the files.
// Multiplying by an odd constant modulo 2^48 is a bijection, so ids are
// unique.
func graphID(i int) string {
	return fmt.Sprintf("%012x", (uint64(i)*0x9e3779b97f4a7c15)&(1<<48-1))
}

// graphParents returns the down revisions of n revisions (by index): a
// main line on which one revision in graphBranchEvery is a branch point
// whose two branches of graphBranchLength revisions each are merged back
// by the revision after them. The graph has one base and one head.
func graphParents(n int) [][]int {
	parents := make([][]int, 0, n)
	add := func(down ...int) int {
		parents = append(parents, down)
		return len(parents) - 1
	}
	tip := add()
	for len(parents) < n {
		if len(parents)%graphBranchEvery == 1 && n-len(parents) > 2*graphBranchLength {
			a, b := tip, tip
			for range graphBranchLength {
				a = add(a)
				b = add(b)
			}
			tip = add(a, b)
			continue
		}
		tip = add(tip)
	}
	return parents
}

// writeGraph writes the n revisions of graphParents as Retort scripts with
// trivial bodies under dir, graphFolderSize files per sub-folder.
func writeGraph(dir string, n int) error {
	for i, down := range graphParents(n) {
		sub := filepath.Join(dir, fmt.Sprintf("d%03d", i/graphFolderSize))
		if i%graphFolderSize == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		ids := make([]string, len(down))
		for k, p := range down {
			ids[k] = graphID(p)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "-- migrate:revision %s\n", graphID(i))
		if len(ids) > 0 {
			fmt.Fprintf(&b, "-- migrate:down_revision %s\n", strings.Join(ids, ", "))
		}
		fmt.Fprintf(&b, "-- migrate:message revision %d\n\n-- migrate:upgrade\nSELECT %d;\n\n-- migrate:downgrade\nSELECT %d;\n", i, i, i)
		name := filepath.Join(sub, fmt.Sprintf("%06d_%s.sql", i, graphID(i)))
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeAlembic writes the graph of graphParents(n) as Alembic revision
// modules in one versions folder, with an alembic.ini naming it; `alembic
// heads` reads no database.
func writeAlembic(dir string, n int) error {
	versions := filepath.Join(dir, "alembic", "versions")
	if err := os.MkdirAll(versions, 0o755); err != nil {
		return err
	}
	ini := "[alembic]\nscript_location = %(here)s/alembic\n"
	if err := os.WriteFile(filepath.Join(dir, "alembic.ini"), []byte(ini), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "alembic", "script.py.mako"), nil, 0o644); err != nil {
		return err
	}
	for i, down := range graphParents(n) {
		var d string
		switch len(down) {
		case 0:
			d = "None"
		case 1:
			d = fmt.Sprintf("%q", graphID(down[0]))
		default:
			ids := make([]string, len(down))
			for k, p := range down {
				ids[k] = fmt.Sprintf("%q", graphID(p))
			}
			d = "(" + strings.Join(ids, ", ") + ")"
		}
		text := fmt.Sprintf("\"\"\"revision %d\"\"\"\nrevision = %q\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n\n\n"+
			"def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n", i, graphID(i), d)
		if err := os.WriteFile(filepath.Join(versions, fmt.Sprintf("%06d_%s.py", i, graphID(i))), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeLinear writes a chain of n migrations with trivial bodies for goose
// (dir/goose) and golang-migrate (dir/migrate). Neither reads sub-folders,
// so each gets one flat folder.
func writeLinear(dir string, n int) error {
	for _, sub := range []string{"goose", "migrate"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	for i := range n {
		stmt := fmt.Sprintf("SELECT %d;\n", i)
		files := map[string]string{
			filepath.Join("goose", fmt.Sprintf("%06d_rev.sql", i+1)):        "-- +goose Up\n" + stmt + "\n-- +goose Down\n" + stmt,
			filepath.Join("migrate", fmt.Sprintf("%06d_rev.up.sql", i+1)):   stmt,
			filepath.Join("migrate", fmt.Sprintf("%06d_rev.down.sql", i+1)): stmt,
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// graphScale runs W4: the CLI's heads, history and offline upgrade plan on
// branched graphs of each -w4-sizes size, each a cold process reading no
// database, beside goose status and golang-migrate version (also cold
// processes) on a linear chain of the first size, on a SQLite database at
// head.
func (b *bench) graphScale(ctx context.Context) ([]*cell, error) {
	sizes := b.opts.w4sizes
	peersN := sizes[0]
	peers := filepath.Join(b.tmp, "scripts", fmt.Sprintf("linear-%d", peersN))
	b.progress("W4 generating scripts")
	if err := writeLinear(peers, peersN); err != nil {
		return nil, err
	}
	dirs := make([]string, len(sizes))
	for i, n := range sizes {
		dirs[i] = filepath.Join(b.tmp, "scripts", fmt.Sprintf("graph-%d", n))
		if err := writeGraph(dirs[i], n); err != nil {
			return nil, err
		}
	}
	// The peers' databases are brought to head once: goose applies its
	// chain, golang-migrate records the last version (Force), as a run of
	// its Up would leave it.
	b.progress("W4 bringing goose and golang-migrate to head (%d migrations)", peersN)
	gooseDB, err := b.fresh(ctx, dbSQLite)
	if err != nil {
		return nil, err
	}
	defer gooseDB.cleanup()
	migrateDB, err := b.fresh(ctx, dbSQLite)
	if err != nil {
		return nil, err
	}
	defer migrateDB.cleanup()
	if _, err := runChild(ctx, b.self, &job{Tool: toolGoose, DB: dbSQLite, Targets: []string{gooseDB.address}, Dir: peers, Op: opUp}); err != nil {
		return nil, err
	}
	if _, err := runChild(ctx, b.self, &job{Tool: toolMigrateVersion, DB: dbSQLite, Targets: []string{migrateDB.address}, Dir: peers, Op: opForce, N: peersN}); err != nil {
		return nil, err
	}

	alembicDir := filepath.Join(b.tmp, "scripts", fmt.Sprintf("alembic-%d", peersN))
	refs := []string{toolReadLoop, toolGooseStatus, toolMigrateVersion}
	if b.python != "" {
		if err := writeAlembic(alembicDir, peersN); err != nil {
			return nil, err
		}
		refs = append([]string{toolAlembicHeads}, refs...)
	}
	cliTools := []string{toolCLIHeads, toolCLIHistory, toolCLIPlan}
	cells := make([]*cell, len(sizes))
	for i, n := range sizes {
		tools := cliTools
		if i == 0 {
			tools = append(slices.Clone(cliTools), refs...)
		}
		cells[i] = newCell(fmt.Sprintf("%d revisions", n), tools, refs)
	}
	cells[0].note = fmt.Sprintf("every row is one whole cold process; the Retort rows read a graph "+
		"with one branch point in %d merged back after %d revisions per side, in folders of %d scripts, and no database; "+
		"goose and golang-migrate read a linear chain of %d files in one folder and a SQLite database at head, "+
		"in a child of this harness (whose start-up alone is W5's empty Go process); "+
		"the go read loop is a small program that reads the Retort scripts one after another with os.ReadFile; "+
		"alembic heads reads the same graph as Alembic revision modules in one folder (when an interpreter imports alembic)",
		graphBranchEvery, graphBranchLength, graphFolderSize, peersN)
	for r := range b.opts.warmup + b.opts.rounds {
		for i, n := range sizes {
			b.progress("W4 %d round %d", n, r+1)
			for _, tool := range cells[i].tools {
				s, err := b.graphRun(ctx, tool, dirs[i], peers, alembicDir, gooseDB.address, migrateDB.address)
				if err != nil {
					return nil, err
				}
				if r >= b.opts.warmup {
					cells[i].add(tool, s)
				}
			}
		}
	}
	return cells, nil
}

// graphRun runs one W4 tool as a cold process and times the whole process.
func (b *bench) graphRun(ctx context.Context, tool, graphDir, peersDir, alembicDir, gooseDB, migrateDB string) (sample, error) {
	cli := func(args ...string) (sample, error) {
		return runProcess(ctx, b.tmp, b.cli, append([]string{"--dir", graphDir, "--log-level", "disabled"}, args...)...)
	}
	child := func(j *job) (sample, error) {
		spec, err := jobSpec(j)
		if err != nil {
			return sample{}, err
		}
		return runProcess(ctx, b.tmp, b.self, childFlag, spec)
	}
	switch tool {
	case toolCLIHeads:
		return cli("heads")
	case toolCLIHistory:
		return cli("history")
	case toolCLIPlan:
		return cli("upgrade", "head", "--sql", "--dialect", "sqlite")
	case toolReadLoop:
		return runProcess(ctx, b.tmp, b.readLoop, graphDir)
	case toolAlembicHeads:
		return runProcess(ctx, b.tmp, b.python, "-m", "alembic", "-c", filepath.Join(alembicDir, "alembic.ini"), "heads")
	case toolGooseStatus:
		return child(&job{Tool: toolGooseStatus, DB: dbSQLite, Targets: []string{gooseDB}, Dir: peersDir, Op: opStatus})
	case toolMigrateVersion:
		return child(&job{Tool: toolMigrateVersion, DB: dbSQLite, Targets: []string{migrateDB}, Dir: peersDir, Op: opStatus})
	}
	return sample{}, fmt.Errorf("unknown W4 tool %q", tool)
}

// gooseStatus reads the state of every migration, as `goose status` does.
func gooseStatus(ctx context.Context, j *job, target string) error {
	db, err := sql.Open("sqlite3", "file:"+target+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, db, os.DirFS(filepath.Join(j.Dir, "goose")))
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	if len(st) == 0 || st[len(st)-1].State != goose.StateApplied {
		return fmt.Errorf("goose status: database not at head")
	}
	return db.Close()
}

// migrateVersion reads the database's version, as `migrate version` does;
// with opForce it records j.N as the version instead.
func migrateVersion(j *job, target string) error {
	m, err := migrate.New("file://"+filepath.Join(j.Dir, "migrate"),
		"sqlite://"+target+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	if j.Op == opForce {
		err = m.Force(j.N)
	} else {
		var v uint
		var dirty bool
		v, dirty, err = m.Version()
		if err == nil && (dirty || v == 0) {
			err = fmt.Errorf("golang-migrate version: %d (dirty %t), not at head", v, dirty)
		}
	}
	serr, derr := m.Close()
	return errors.Join(err, serr, derr)
}
