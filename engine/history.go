package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/retort-sql/retort/adapter"
)

// DefaultHistoryTable is the history table of the default version table,
// migrate_version. Each version table has a history table of its own (see
// [HistoryTableFor]), in the version table's schema.
const DefaultHistoryTable = "migrate_history"

// HistoryTableFor returns the history table that belongs to a version table
// when Config.HistoryTable is empty: the name with its "_version" suffix
// replaced by "_history" (migrate_version → migrate_history, app_version →
// app_history), else with "_history" appended (versions →
// versions_history), in the version table's schema. Two script sets with
// different version tables thus never share a history.
func HistoryTableFor(versionTable adapter.Ident) adapter.Ident {
	name := versionTable.Name
	if base, ok := strings.CutSuffix(name, "_version"); ok && base != "" {
		name = base + "_history"
	} else {
		name += "_history"
	}
	return adapter.Ident{Schema: versionTable.Schema, Name: name}
}

// historyTableOf resolves Config.HistoryTable for the version table t. With
// no explicit name it returns the derived one and, when that differs from
// the shared migrate_history that earlier releases used for every version
// table, that legacy table as well.
func historyTableOf(explicit string, t adapter.Ident) (adapter.Ident, *adapter.Ident, error) {
	if explicit != "" {
		h, err := ParseTableName(explicit, DefaultHistoryTable)
		return h, nil, err
	}
	h := HistoryTableFor(t)
	legacy := adapter.Ident{Schema: t.Schema, Name: DefaultHistoryTable}
	if h == legacy {
		return h, nil, nil
	}
	return h, &legacy, nil
}

// historyOn returns the history table of this engine's version table on the
// database behind q. It is the derived table (HistoryTableFor), except for a
// database migrated before history belonged to its version table: when the
// derived table does not exist, the version table holds rows, and the
// shared migrate_history exists, that shared table keeps serving this
// version table, so that its drift and interruption checks still see what
// ran. A set that starts afresh gets its own table.
func (e *Engine) historyOn(ctx context.Context, q adapter.Querier) (historySQL, error) {
	hs := e.history()
	if e.legacyHistory == nil {
		return hs, nil
	}
	exists, err := queryBool(ctx, q, hs.exists())
	if err != nil || exists {
		if err != nil {
			err = fmt.Errorf("read history table %s: %w", hs.t, err)
		}
		return hs, err
	}
	legacy := historySQL{d: e.dialect, t: *e.legacyHistory}
	if ok, err := queryBool(ctx, q, legacy.exists()); err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("read history table %s: %w", legacy.t, err)
		}
		return hs, err
	}
	heads, _, err := readHeads(ctx, q, e.dialect, e.table)
	if err != nil {
		return hs, err
	}
	if len(heads) > 0 {
		return legacy, nil
	}
	return hs, nil
}

// History statuses.
const (
	statusDone    = "done"    // the section ran to its end
	statusRunning = "running" // a transaction=false section started and has not finished
	statusStamped = "stamped" // an interrupted section the user marked with stamp
)

var (
	// ErrDrift is wrapped by [DriftError].
	ErrDrift = errors.New("applied revisions differ from the scripts")
	// ErrInterrupted is wrapped by [InterruptedError].
	ErrInterrupted = errors.New("a transaction=false section was interrupted")
)

// Drift is one applied revision that no longer matches its script.
type Drift struct {
	Revision string
	Path     string // script path; empty when the revision has no script
	Reason   string // "edited after it was applied", "missing from the scripts"
}

// DriftError lists applied revisions whose scripts were edited, or that
// the scripts no longer have. Upgrade refuses to run over drift unless
// Config.AllowDrift is set; Check always reports it.
type DriftError struct{ Drifts []Drift }

func (e *DriftError) Error() string {
	parts := make([]string, len(e.Drifts))
	for i, d := range e.Drifts {
		parts[i] = d.Revision
		if d.Path != "" {
			parts[i] += " (" + d.Path + ")"
		}
		parts[i] += " " + d.Reason
	}
	return "applied revisions differ from the scripts: " + strings.Join(parts, "; ")
}

func (e *DriftError) Is(target error) bool { return target == ErrDrift }

// InterruptedError reports a transaction=false section that started and did
// not finish (the process was killed, or the run cancelled, in its middle).
// The next run refuses to continue until the user resumes it
// (Config.Resume: from statement Done+1) or marks it done with Stamp.
type InterruptedError struct {
	Revision  string
	Direction string
	Done      int // statements that completed
	Total     int
	Path      string
}

func (e *InterruptedError) Error() string {
	where := ""
	if e.Path != "" {
		where = " (" + e.Path + ")"
	}
	return fmt.Sprintf("%s of %s%s was interrupted after %d of %d statements outside a transaction",
		e.Direction, e.Revision, where, e.Done, e.Total)
}

func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// HistoryEntry is one row of the history table.
type HistoryEntry struct {
	Revision    string
	Direction   string // upgrade, downgrade, stamp
	Status      string // done, running, stamped
	Checksum    string
	Done, Total int // statements completed and in all (transaction=false sections)
	StartedAt   time.Time
	Duration    time.Duration
	DBUser      string
	Host        string
	Application string
	Tool        string
}

// historySQL builds the statements of the history table from the
// dialect: its DDL and SELECT come from the dialect whole, the INSERT and
// UPDATE statements are plain SQL of its quoting and placeholders.
type historySQL struct {
	d adapter.Dialect
	t adapter.Ident
}

func (h historySQL) ph(n int) string { return h.d.Placeholder(n) }

func (h historySQL) create() string { return h.d.CreateHistoryTable(h.t) }

// insertRows is an INSERT of n rows, each taking: revision, direction,
// status, checksum, done, total, started_at, duration_ms, client_host,
// tool_version.
func (h historySQL) insertRows(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + h.d.QuoteIdent(h.t) +
		" (revision, direction, status, checksum, statements_done, statements_total, started_at, duration_ms, client_host, tool_version) VALUES ")
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range 10 {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString(h.ph(r*10 + c + 1))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// progress takes: statements_done, checksum (of the statements done),
// revision.
func (h historySQL) progress() string {
	return "UPDATE " + h.d.QuoteIdent(h.t) + " SET statements_done = " + h.ph(1) + ", checksum = " + h.ph(2) +
		" WHERE revision = " + h.ph(3) + " AND status = " + h.d.Literal(statusRunning)
}

// finish takes: status, duration_ms, checksum (of the whole section),
// revision.
func (h historySQL) finish() string {
	return "UPDATE " + h.d.QuoteIdent(h.t) + " SET status = " + h.ph(1) + ", duration_ms = " + h.ph(2) +
		", checksum = " + h.ph(3) + " WHERE revision = " + h.ph(4) + " AND status = " + h.d.Literal(statusRunning)
}

// markStamped marks every interrupted section as resolved by a stamp.
func (h historySQL) markStamped() string {
	return "UPDATE " + h.d.QuoteIdent(h.t) + " SET status = " + h.d.Literal(statusStamped) +
		" WHERE status = " + h.d.Literal(statusRunning)
}

// latestOnly narrows selectAll to what drift and interruption checks need:
// the newest non-stamp row of each revision and every running row, so that
// the cost of a run does not grow with the history.
func (h historySQL) latestOnly() string {
	q := h.d.QuoteIdent(h.t)
	return " WHERE id IN (SELECT max(id) FROM " + q + " WHERE direction <> " + h.d.Literal("stamp") +
		" GROUP BY revision) OR status = " + h.d.Literal(statusRunning)
}

func (h historySQL) selectAll() string { return h.d.SelectHistory(h.t) }

func (h historySQL) exists() string { return h.d.VersionTableExists(h.t) }

// readHistory returns the history rows, oldest first; none when the table
// does not exist. With latest, only the rows drift and interruption checks
// read (see latestOnly).
func readHistory(ctx context.Context, q adapter.Querier, h historySQL, latest bool) ([]HistoryEntry, error) {
	exists, err := queryBool(ctx, q, h.exists())
	if err != nil || !exists {
		return nil, err
	}
	return selectHistory(ctx, q, h, latest)
}

// selectHistory is readHistory on a history table known to exist.
func selectHistory(ctx context.Context, q adapter.Querier, h historySQL, latest bool) ([]HistoryEntry, error) {
	sql := h.selectAll()
	if latest {
		sql += h.latestOnly()
	}
	rows, err := q.Query(ctx, sql+" ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read history table %s: %w", h.t, err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var e HistoryEntry
		var done, total, ms int64
		var started string
		if err := rows.Scan(&e.Revision, &e.Direction, &e.Status, &e.Checksum, &done, &total, &started, &ms,
			&e.DBUser, &e.Host, &e.Application, &e.Tool); err != nil {
			return nil, fmt.Errorf("read history table %s: %w", h.t, err)
		}
		e.Done, e.Total, e.Duration = int(done), int(total), time.Duration(ms)*time.Millisecond
		e.StartedAt, _ = time.Parse(time.RFC3339Nano, started)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history table %s: %w", h.t, err)
	}
	return out, nil
}

func queryBool(ctx context.Context, q adapter.Querier, sql string) (bool, error) {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return false, err
	}
	var v any
	if rows.Next() {
		err = rows.Scan(&v)
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	return truthy(v), err
}

// AppliedHistory returns the rows of the history table, oldest first: every
// revision applied, reverted or stamped, with its checksum, timing and who
// ran it. An absent table means none.
func (e *Engine) AppliedHistory(ctx context.Context) ([]HistoryEntry, error) {
	conn, release, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	hs, err := e.historyOn(ctx, conn)
	if err != nil {
		return nil, err
	}
	return readHistory(ctx, conn, hs, false)
}

func (e *Engine) history() historySQL { return historySQL{d: e.dialect, t: e.historyTable} }

// drift compares the history with the scripts: the last upgrade of every
// revision still applied must carry the script's current checksum, and
// every version row must name a known revision.
func (e *Engine) drift(rows []string, hist []HistoryEntry) error {
	var drifts []Drift
	for _, r := range rows {
		if _, ok := e.cat.graph.Get(r); !ok {
			drifts = append(drifts, Drift{Revision: r, Reason: "is in the version table but missing from the scripts"})
		}
	}
	last := map[string]HistoryEntry{}
	var order []string
	for _, h := range hist {
		// An interrupted section's row covers the statements that ran;
		// resuming checks them.
		if h.Direction == "stamp" || h.Status == statusRunning || h.Status == statusStamped {
			continue
		}
		if _, seen := last[h.Revision]; !seen {
			order = append(order, h.Revision)
		}
		last[h.Revision] = h
	}
	for _, id := range order {
		h := last[id]
		if h.Direction != "upgrade" || h.Checksum == "" {
			continue
		}
		u := e.cat.units[id]
		if u == nil {
			if !contains(rows, id) { // rows were reported above
				drifts = append(drifts, Drift{Revision: id, Reason: "was applied but is missing from the scripts"})
			}
			continue
		}
		if sum := u.upChecksum; sum != "" && sum != h.Checksum {
			drifts = append(drifts, Drift{Revision: id, Path: u.path, Reason: "was edited after it was applied"})
		}
	}
	if len(drifts) == 0 {
		return nil
	}
	return &DriftError{Drifts: drifts}
}

// interrupted returns the interrupted section recorded in hist, if any.
func (e *Engine) interrupted(hist []HistoryEntry) *InterruptedError {
	for i := len(hist) - 1; i >= 0; i-- {
		h := hist[i]
		if h.Status == statusRunning {
			ie := &InterruptedError{Revision: h.Revision, Direction: h.Direction, Done: h.Done, Total: h.Total}
			if u := e.cat.units[h.Revision]; u != nil {
				ie.Path = u.path
			}
			return ie
		}
	}
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

var toolVersion = func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/retort-sql/retort" {
				return "retort " + d.Version
			}
		}
		if bi.Main.Path == "github.com/retort-sql/retort" {
			return "retort " + bi.Main.Version
		}
	}
	return "retort (devel)"
}()

var hostName = func() string {
	h, _ := os.Hostname()
	return h
}()
