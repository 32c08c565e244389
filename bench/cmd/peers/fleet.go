package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// W6 tool names, as they appear in the report.
const (
	toolFleetFloor   = "floor-one-session"
	toolFleetHistory = "floor+history"
	toolFleetCLI     = "retort-cli"
)

// historyDDL is Retort's history table (engine/history.go), which the
// floor+history row adds to the floor's SQL, with one row per revision, to
// show what Retort's own bookkeeping costs in SQL alone.
func historyDDL(db, table string) string {
	id, ts, user, app := "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "''", "''"
	if db == dbPostgres {
		id, ts, user, app = "BIGSERIAL PRIMARY KEY", "TIMESTAMPTZ", "current_user", "current_setting('application_name')"
	}
	return "CREATE TABLE " + table + " (id " + id + ", revision VARCHAR(255) NOT NULL, direction VARCHAR(10) NOT NULL, " +
		"status VARCHAR(10) NOT NULL, checksum VARCHAR(64) NOT NULL DEFAULT '', statements_done INTEGER NOT NULL DEFAULT 0, " +
		"statements_total INTEGER NOT NULL DEFAULT 0, started_at " + ts + " NOT NULL, duration_ms BIGINT NOT NULL DEFAULT 0, " +
		"db_user TEXT NOT NULL DEFAULT " + user + ", client_host TEXT NOT NULL DEFAULT '', " +
		"application TEXT NOT NULL DEFAULT " + app + ", tool_version TEXT NOT NULL DEFAULT '');\n"
}

// historyRows inserts one history row per revision of w.
func historyRows(w *workload, table string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (revision, direction, status, checksum, started_at) VALUES ")
	for i := range w.n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "('%s', 'upgrade', 'done', '0123456789abcdef', '2026-12-02T10:00:00Z')", revID(i))
	}
	b.WriteString(";\n")
	return b.String()
}

// fleetRevisions and fleetStatements shape W6's workload: every target gets
// the same 3 revisions of 2 statements (a table and an index).
const fleetRevisions = 3

func fleetWorkload() *workload {
	w := &workload{name: "fleet", n: fleetRevisions}
	for i := range fleetRevisions {
		w.up = append(w.up, []string{
			fmt.Sprintf("CREATE TABLE f_%d (id bigint PRIMARY KEY, v text)", i),
			fmt.Sprintf("CREATE INDEX f_%d_v ON f_%d (v)", i, i),
		})
		w.down = append(w.down, []string{fmt.Sprintf("DROP TABLE f_%d", i)})
	}
	return w
}

// fleets runs W6: one fleet of PostgreSQL schemas (of each -w6-schemas
// size) and one of SQLite files (-w6-files) upgraded from empty by the CLI
// at each -w6-concurrency, beside the one-session floor (psql or sqlite3
// running the same SQL target by target, BEGIN … COMMIT each, version row
// included) and a sequential goose loop over the same targets.
func (b *bench) fleets(ctx context.Context) ([]*cell, error) {
	w := fleetWorkload()
	dir, err := b.scripts(w)
	if err != nil {
		return nil, err
	}
	names := []string{toolFleetFloor, toolFleetHistory, toolGooseLoop}
	for _, c := range b.opts.w6conc {
		names = append(names, fmt.Sprintf("%s c=%d", toolFleetCLI, c))
	}
	refs := []string{toolFleetFloor, toolFleetHistory, toolGooseLoop}
	type size struct {
		db    string
		count int
	}
	var sizes []size
	if b.has(dbPostgres) {
		for _, n := range b.opts.w6pg {
			sizes = append(sizes, size{dbPostgres, n})
		}
	}
	if b.has(dbSQLite) {
		for _, n := range b.opts.w6sqlite {
			sizes = append(sizes, size{dbSQLite, n})
		}
	}
	rounds := b.opts.w6rounds
	var cells []*cell
	for _, sz := range sizes {
		what := "schemas"
		if sz.db == dbSQLite {
			what = "files"
		}
		title := fmt.Sprintf("%s, %d %s", sz.db, sz.count, what)
		c := newCell(title, names, refs)
		for r := range b.opts.warmup + rounds {
			for _, tool := range names {
				b.progress("W6 %s round %d: %s", title, r+1, tool)
				s, err := b.fleetRun(ctx, sz.db, sz.count, dir, w, tool)
				if err != nil {
					return nil, err
				}
				if r >= b.opts.warmup {
					c.add(tool, s)
				}
			}
		}
		cells = append(cells, c)
	}
	return cells, nil
}

// fleetRun prepares count empty targets (schemas of a fresh database, or a
// fresh folder for SQLite files), runs one tool on them and removes them.
func (b *bench) fleetRun(ctx context.Context, db string, count int, dir string, w *workload, tool string) (s sample, err error) {
	t, err := b.fresh(ctx, db)
	if err != nil {
		return s, err
	}
	defer func() {
		if cerr := t.cleanup(); err == nil {
			err = cerr
		}
	}()
	targets := make([]string, count)
	if db == dbPostgres {
		var ddl strings.Builder
		for i := range count {
			fmt.Fprintf(&ddl, "CREATE SCHEMA s_%d;\n", i)
			targets[i] = withParam(t.address, "search_path", fmt.Sprintf("s_%d", i))
		}
		if err := execOn(ctx, t.address, ddl.String()); err != nil {
			return s, fmt.Errorf("create schemas: %w", err)
		}
	} else {
		for i := range count {
			targets[i] = filepath.Join(filepath.Dir(t.address), fmt.Sprintf("t%d.db", i))
		}
	}
	switch {
	case tool == toolFleetFloor, tool == toolFleetHistory:
		return b.fleetFloor(ctx, db, t.address, targets, w, tool == toolFleetHistory)
	case tool == toolGooseLoop:
		return runChild(ctx, b.self, &job{Tool: toolGooseLoop, DB: db, Targets: targets, Dir: dir, Op: opUp})
	}
	conc, _ := strings.CutPrefix(tool, toolFleetCLI+" c=")
	args := []string{"--dir", filepath.Join(dir, "retort"), "--log-level", "error", "upgrade", "head", "--concurrency", conc, "--json-lines"}
	if db == dbPostgres {
		args = append([]string{"--url", t.address}, append(args, "--schemas-from-query",
			`SELECT nspname FROM pg_namespace WHERE nspname LIKE 's\_%'`)...)
	} else {
		list := filepath.Join(b.tmp, "targets-"+strconv.Itoa(b.seq)+".txt")
		var lines strings.Builder
		for _, p := range targets {
			lines.WriteString("sqlite:" + p + "\n")
		}
		if err := os.WriteFile(list, []byte(lines.String()), 0o644); err != nil {
			return s, err
		}
		defer os.Remove(list)
		args = append(args, "--targets", list)
	}
	return runProcess(ctx, b.tmp, b.cli, args...)
}

// fleetFloor writes the whole fleet's SQL as one script and runs it in one
// psql or sqlite3 session: per target BEGIN, the version table, every
// revision's statements, the version row, COMMIT; with history, also
// Retort's history table and its rows.
func (b *bench) fleetFloor(ctx context.Context, db, dbURL string, targets []string, w *workload, history bool) (sample, error) {
	var sql strings.Builder
	head := revID(w.n - 1)
	for i, tgt := range targets {
		if db == dbPostgres {
			fmt.Fprintf(&sql, "BEGIN;\nSET LOCAL search_path TO s_%d;\n", i)
			sql.WriteString("CREATE TABLE migrate_version (version_num varchar(255) PRIMARY KEY);\n")
			if history {
				sql.WriteString(historyDDL(db, "migrate_history"))
			}
			for _, st := range w.upStatements() {
				sql.WriteString(st + ";\n")
			}
			fmt.Fprintf(&sql, "INSERT INTO migrate_version VALUES ('%s');\n", head)
			if history {
				sql.WriteString(historyRows(w, "migrate_history"))
			}
			sql.WriteString("COMMIT;\n")
			continue
		}
		fmt.Fprintf(&sql, "ATTACH '%s' AS t;\nPRAGMA t.journal_mode=WAL;\nBEGIN;\n", tgt)
		sql.WriteString("CREATE TABLE t.migrate_version (version_num varchar(255) PRIMARY KEY);\n")
		if history {
			sql.WriteString(historyDDL(db, "t.migrate_history"))
		}
		for r := range w.n {
			fmt.Fprintf(&sql, "CREATE TABLE t.f_%d (id bigint PRIMARY KEY, v text);\nCREATE INDEX t.f_%d_v ON f_%d (v);\n", r, r, r)
		}
		fmt.Fprintf(&sql, "INSERT INTO t.migrate_version VALUES ('%s');\n", head)
		if history {
			sql.WriteString(historyRows(w, "t.migrate_history"))
		}
		sql.WriteString("COMMIT;\nDETACH t;\n")
	}
	script := filepath.Join(b.tmp, fmt.Sprintf("floor-%d.sql", b.seq))
	if err := os.WriteFile(script, []byte(sql.String()), 0o644); err != nil {
		return sample{}, err
	}
	defer os.Remove(script)
	if db == dbPostgres {
		return runProcess(ctx, b.tmp, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script, dbURL)
	}
	return runProcess(ctx, b.tmp, "sqlite3", "-bail", ":memory:", ".read "+script)
}
