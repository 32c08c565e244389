package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/revgraph"
)

// request is one run: which plan to build from the heads read under the
// lock.
type request struct {
	kind   runKind
	target string
	more   []string // stamp: the targets after the first
	purge  bool
}

type runKind int8

const (
	runUpgrade runKind = iota
	runDowngrade
	runStamp
)

func (k runKind) String() string {
	switch k {
	case runDowngrade:
		return "downgrade"
	case runStamp:
		return "stamp"
	}
	return "upgrade"
}

func (r request) plan(g *revgraph.Graph, heads []string) (*revgraph.Plan, error) {
	switch r.kind {
	case runDowngrade:
		return g.Downgrade(heads, r.target)
	case runStamp:
		return g.StampAll(heads, append([]string{r.target}, r.more...), r.purge)
	}
	return g.Upgrade(heads, r.target)
}

// Upgrade applies revisions up to target ("head", "heads", an id, a label,
// "+2", …). When the database is already there it returns at once without
// taking the migration lock.
func (e *Engine) Upgrade(ctx context.Context, target string) (*Result, error) {
	return e.run(ctx, request{kind: runUpgrade, target: target})
}

// Downgrade reverts revisions down to target ("base", an id, "-1", …). A
// downgrade that would pass through an irreversible revision fails before
// anything runs.
func (e *Engine) Downgrade(ctx context.Context, target string) (*Result, error) {
	return e.run(ctx, request{kind: runDowngrade, target: target})
}

// Stamp sets the version rows to target without running any revision. With
// purge the current rows are discarded first.
func (e *Engine) Stamp(ctx context.Context, target string, purge bool) (*Result, error) {
	return e.run(ctx, request{kind: runStamp, target: target, purge: purge})
}

// StampAll is Stamp to several targets at once, as `alembic stamp a b`:
// the version rows end at every revision the targets name.
func (e *Engine) StampAll(ctx context.Context, targets []string, purge bool) (*Result, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("stamp: no target given")
	}
	return e.run(ctx, request{kind: runStamp, target: targets[0], more: targets[1:], purge: purge})
}

// run acquires a connection, takes the migration lock, and hands the
// connection to the synchronous runner through RunSync. The plan is made
// after the lock is held, from the heads read under it, so that a process
// that waited for another finds the work done.
func (e *Engine) run(ctx context.Context, req request) (_ *Result, err error) {
	if req.kind == runUpgrade && len(e.cat.graph.Heads()) == 0 {
		return nil, fmt.Errorf("upgrade %s: %w", req.target, ErrNoRevisions)
	}
	if e.cfg.Offline != nil {
		return e.runOffline(ctx, req)
	}
	start := time.Now()
	if req.kind != runStamp || !req.purge {
		// Resolve the target against the graph alone first, so that a bad
		// target fails before any connection is made.
		if err := e.precheck(req); err != nil {
			return nil, err
		}
	}
	conn, release, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	hs, err := e.historyOn(ctx, conn)
	if err != nil {
		return nil, err
	}
	if req.kind == runUpgrade {
		// Fast path: already at the target, nothing to lock for.
		heads, exists, err := readHeads(ctx, conn, e.dialect, e.table)
		if err != nil {
			return nil, err
		}
		if exists {
			// A plan error (say, a version row the scripts lost) is
			// reported by the locked path, which checks drift first.
			plan, err := req.plan(e.cat.graph, heads)
			if err == nil && len(plan.Steps) == 0 {
				hist, err := readHistory(ctx, conn, hs, true)
				if err != nil {
					return nil, err
				}
				if ie := e.interrupted(hist); ie != nil {
					return nil, ie
				}
				if !e.cfg.AllowDrift {
					if err := e.drift(heads, hist); err != nil {
						return nil, err
					}
				}
				return &Result{From: heads, To: heads, Duration: time.Since(start)}, nil
			}
		}
	}

	lctx := adapter.WithLockWait(ctx, func(holder string, waited time.Duration) {
		// Warn, so that a run blocked by another is visible at the CLI's
		// default level; the adapter reports every few seconds only.
		e.cfg.Logger.Warn().Str("table", e.table.String()).Str("holder", holder).
			Time("since", time.Now().Add(-waited)).Dur("waited", waited).Msg("waiting for the migration lock")
	})
	var locker adapter.Locker = e.dialect
	if e.cfg.Locker != nil {
		locker = e.cfg.Locker
	}
	var (
		unlock func(context.Context) error
		fence  adapter.Fence
	)
	if fl, ok := locker.(adapter.FencingLocker); ok {
		unlock, fence, err = fl.LockFenced(lctx, conn, e.table)
	} else {
		unlock, err = locker.Lock(lctx, conn, e.table)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", e.table, err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if uerr := unlock(uctx); uerr != nil {
			e.cfg.Logger.Warn().Err(uerr).Str("table", e.table.String()).Msg("release migration lock")
			// A lock lost mid-run means another run may have taken over:
			// the caller must know, unless the run already failed for it.
			if errors.Is(uerr, adapter.ErrLockLost) && !errors.Is(err, adapter.ErrLockLost) {
				err = errors.Join(err, fmt.Errorf("release migration lock: %w", uerr))
			}
		}
	}()

	if !e.dialect.TransactionalDDL() && e.cfg.TxMode == TxPerRun {
		e.cfg.Logger.Debug().Str("dialect", e.dialect.Name()).
			Msg("the database commits DDL implicitly: revisions holding DDL run statement by statement, their progress recorded")
	}
	res := &Result{}
	err = RunSync(ctx, conn, func(c Conn) error {
		r := &runner{e: e, c: c.(*syncConn), d: e.dialect, hs: hs, res: res, shared: conn.InTx(), fence: fence}
		return r.run(req)
	})
	res.Duration = time.Since(start)
	e.logDone(req, res, err)
	return res, err
}

// runOffline writes the SQL a run would execute to Config.Offline. The
// starting point comes from the target's range ("a:b"); without one an
// upgrade or stamp starts from base and a downgrade is refused.
func (e *Engine) runOffline(ctx context.Context, req request) (*Result, error) {
	start := time.Now()
	t, err := revgraph.ParseTarget(req.target)
	if err != nil {
		return nil, err
	}
	from, to := t.Range()
	ranged := t.IsRange()
	if ranged && len(req.more) > 0 {
		return nil, fmt.Errorf("offline %s: a range %q takes no further targets", req.kind, req.target)
	}
	if !ranged && req.kind == runDowngrade {
		return nil, fmt.Errorf("downgrade in offline mode needs a range <from>:<to> (for example head:base): there is no database to read the current revision from")
	}
	if to == "" {
		return nil, fmt.Errorf("offline %s: range %q has no end", req.kind, req.target)
	}
	var heads []string
	if from != "" && from != "base" {
		if heads, err = e.cat.graph.Resolve(from, nil); err != nil {
			return nil, err
		}
	}
	req.target = to
	// The script is rendered whole before any of it is written, so that a
	// failure (a bad target, a Go revision's error) leaves no truncated
	// script behind.
	var buf bytes.Buffer
	rec := &recorder{w: &buf, d: e.dialect}
	res := &Result{}
	err = RunSync(ctx, rec, func(c Conn) error {
		r := &runner{e: e, c: c.(*syncConn), d: e.dialect, hs: e.history(), res: res, offline: rec, start: heads}
		return r.run(req)
	})
	if err == nil {
		if _, werr := buf.WriteTo(e.cfg.Offline); werr != nil {
			err = fmt.Errorf("write offline SQL: %w", werr)
		}
	}
	res.Duration = time.Since(start)
	e.logDone(req, res, err)
	return res, err
}

// logDone writes the run's summary event. A failure is logged at info level
// with its error: the error itself goes back to the caller, who reports it,
// so it is not logged a second time as an error.
func (e *Engine) logDone(req request, res *Result, err error) {
	ev := e.cfg.Logger.Info()
	msg := "done"
	if err != nil {
		ev, msg = ev.Err(err), "failed"
	}
	ev.Str("command", req.kind.String()).Int("revisions", len(res.Applied)).
		Strs("from", nonNil(res.From)).Strs("to", nonNil(res.To)).Dur("duration", res.Duration).Msg(msg)
}

// precheck makes sure the target resolves against the graph, whatever the
// database holds, where that can be known without the database.
func (e *Engine) precheck(req request) error {
	if req.target == "" {
		return fmt.Errorf("%s: no target given", req.kind)
	}
	dir := revgraph.Up
	if req.kind == runDowngrade {
		dir = revgraph.Down
	}
	for _, s := range append([]string{req.target}, req.more...) {
		t, err := revgraph.ParseTarget(s)
		if err != nil {
			return err
		}
		if err := e.cat.graph.CheckTarget(t, dir); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// runner is the synchronous migration runner: it executes one plan on a
// Conn handed over by RunSync.
type runner struct {
	e      *Engine
	c      *syncConn
	d      adapter.Dialect
	hs     historySQL // the history table of this run's version table
	res    *Result
	shared bool // running inside a caller's transaction

	// fence, when the lock can be lost while held (a lease), checks it
	// inside a transaction; see fenceTx.
	fence adapter.Fence
	// fenced: the open transaction was fenced in its batch (syncFenced).
	fenced bool

	resume  *HistoryEntry // the interrupted section to resume, if any
	offline *recorder     // non-nil in offline mode
	start   []string      // offline mode: the version rows to start from

	rows    *versionRows // version rows now and as written to the table
	hist    []historyRow // history rows not yet written
	pending []Applied    // run in the open transaction, not yet committed
	saved   []string     // version rows as of the last commit
}

func (r *runner) run(req request) error {
	perRun := r.e.cfg.TxMode == TxPerRun
	if perRun || req.kind == runStamp {
		if err := r.c.begin(); err != nil {
			return err
		}
	}
	hs := r.hs
	// Where DDL commits implicitly, creating the tables cannot be undone:
	// they are created only once the run is known to start (the plan made
	// and checked), so that a bad target leaves the database as it was.
	lateTables := !r.d.TransactionalDDL() && r.offline == nil
	if (r.offline == nil || len(r.start) == 0) && !lateTables {
		if err := r.createTables(hs); err != nil {
			return err
		}
	}
	heads := r.start
	if r.offline == nil {
		var err error
		var hist []HistoryEntry
		if lateTables {
			if heads, _, err = readHeads(r.c.ctx, r.c.querier(), r.d, r.e.table); err != nil {
				return err
			}
			hist, err = readHistory(r.c.ctx, r.c.querier(), hs, true)
		} else {
			heads, err = selectHeads(func(sql string) (adapter.Rows, error) { return r.c.Query(sql) }, r.d, r.e.table)
			if err != nil {
				return err
			}
			// The history table exists: it was just created if it did not.
			hist, err = selectHistory(r.c.ctx, r.c.querier(), hs, true)
		}
		if err != nil {
			return err
		}
		if err := r.guard(req, heads, hist); err != nil {
			return err
		}
	}
	r.res.From, r.rows, r.saved = heads, newVersionRows(heads), slices.Clone(heads)
	r.res.To = r.saved

	plan, err := req.plan(r.e.cat.graph, heads)
	if err != nil {
		return err
	}
	if err := r.check(plan); err != nil {
		return err
	}
	if lateTables {
		if err := r.createTables(hs); err != nil {
			return err
		}
	}
	if req.kind == runStamp {
		if _, err := r.c.Exec(hs.markStamped()); err != nil {
			return fmt.Errorf("history table %s: %w", hs.t, err)
		}
	}
	if req.kind == runStamp && req.purge {
		if _, err := r.c.Exec(r.d.DeleteAllHeads(r.e.table)); err != nil {
			return fmt.Errorf("purge version table %s: %w", r.e.table, err)
		}
		r.rows.purge()
	}
	for _, step := range plan.Steps {
		if err := r.step(step, plan.StampOnly, perRun); err != nil {
			return err
		}
	}
	if r.resume != nil {
		return fmt.Errorf("resume: the plan does not run %s of %s; downgrade or stamp instead", r.resume.Direction, r.resume.Revision)
	}
	return r.commit()
}

// createTables creates the version and history tables when they do not
// exist. Online, where the dialect allows it, that is one round trip: a
// fleet target pays for it once per run.
func (r *runner) createTables(hs historySQL) error {
	stmts := r.d.CreateVersionTable(r.e.table)
	if m, ok := r.d.(adapter.MultiStatementExecer); ok && m.MultiStatementExec() && r.offline == nil {
		if _, err := r.c.Exec(strings.Join(append(stmts, hs.create()), ";\n")); err != nil {
			return fmt.Errorf("create version table %s and history table %s: %w", r.e.table, hs.t, err)
		}
		return nil
	}
	for _, stmt := range stmts {
		if _, err := r.c.Exec(stmt); err != nil {
			return fmt.Errorf("create version table %s: %w", r.e.table, err)
		}
	}
	if _, err := r.c.Exec(hs.create()); err != nil {
		return fmt.Errorf("create history table %s: %w", hs.t, err)
	}
	return nil
}

// guard refuses to run over an interrupted transaction=false section (unless
// resuming it, or stamping) and, for an upgrade, over drift.
func (r *runner) guard(req request, heads []string, hist []HistoryEntry) error {
	if ie := r.e.interrupted(hist); ie != nil && req.kind != runStamp {
		if !r.e.cfg.Resume {
			return ie
		}
		for i := len(hist) - 1; i >= 0; i-- {
			if hist[i].Status == statusRunning {
				r.resume = &hist[i]
				break
			}
		}
	}
	if req.kind == runUpgrade && !r.e.cfg.AllowDrift {
		return r.e.drift(heads, hist)
	}
	return nil
}

// check refuses, before anything runs, a plan that cannot complete.
func (r *runner) check(plan *revgraph.Plan) error {
	if plan.StampOnly {
		return nil
	}
	for _, s := range plan.Steps {
		u := r.e.cat.units[s.Revision.ID]
		if u == nil {
			return fmt.Errorf("revision %s: no script or Go revision", s.Revision.ID)
		}
		b := u.body(s.Direction)
		if b == nil {
			return &IrreversibleError{Revision: s.Revision.ID, Path: u.path}
		}
		if b.noTx && r.shared {
			return fmt.Errorf("%s %s: %w", s.Direction, s.Revision.ID, ErrNoTxInSharedTx)
		}
	}
	return nil
}

func (r *runner) step(s revgraph.Step, stampOnly, perRun bool) error {
	start := time.Now()
	u := r.e.cat.units[s.Revision.ID]
	var b *body
	if !stampOnly && u != nil {
		b = u.body(s.Direction)
	}
	// Where DDL commits implicitly, a body holding DDL runs statement by
	// statement with its progress recorded, as a transaction=false
	// section does: a transaction could not undo it.
	noTx := b != nil && (b.noTx || r.autocommits(b))
	if noTx {
		if err := r.commit(); err != nil {
			return err
		}
		// What runs outside a transaction cannot be rolled back: make sure
		// the lock is still held before it starts.
		if err := r.fenceTx(); err != nil {
			return r.fail(s, u, nil, err)
		}
	} else if !r.c.inTx() {
		// In per-revision mode a SQL revision's BEGIN, statements and
		// version-row change travel in one batch where the connection
		// can batch, and its history row with the COMMIT.
		begin := r.c.begin
		if !perRun && r.offline == nil && b != nil && b.fn == nil {
			begin = func() error { return r.c.beginQueued(func(err error) error { return r.fail(s, u, nil, err) }) }
		}
		if err := begin(); err != nil {
			return r.fail(s, u, nil, err)
		}
	}
	if r.offline != nil {
		r.offline.comment(r.describe(s, u, stampOnly))
	}
	hs := r.hs
	entry := historyRow{revision: s.Revision.ID, direction: s.Direction.String(), started: start}
	if stampOnly {
		entry.direction = "stamp"
	}
	skip := 0
	if b != nil {
		entry.checksum, entry.total = b.checksum, b.count()
		if res := r.resume; res != nil && res.Revision == s.Revision.ID && res.Direction == entry.direction {
			// The statements that ran must be unchanged; the one that
			// failed, and those after it, may have been fixed.
			if res.Done > len(b.statements) && b.fn == nil {
				return r.fail(s, u, nil, fmt.Errorf("resume: %d statements ran, the section now has %d", res.Done, len(b.statements)))
			}
			if sum := b.doneChecksum(res.Done); res.Checksum != sum && res.Checksum != b.checksum {
				return r.fail(s, u, nil, fmt.Errorf("resume: the %d statements that ran changed since the section was interrupted (checksum %.12s, now %.12s)", res.Done, res.Checksum, sum))
			}
			skip, r.resume = res.Done, nil
		} else if noTx {
			entry.status = statusRunning
			entry.checksum = b.doneChecksum(0)
			if err := r.writeHistory(hs, entry); err != nil {
				return r.fail(s, u, nil, err)
			}
		}
		if err := r.execBody(s, u, b, skip, noTx, hs); err != nil {
			return err
		}
	}
	if noTx {
		// The section is done: its version row and the end of its history
		// entry are written together, so that a crash leaves either both
		// (applied) or neither (interrupted, resumable).
		if err := r.c.begin(); err != nil {
			return r.fail(s, u, nil, err)
		}
	}
	for _, op := range s.Ops {
		if err := r.versionOp(op); err != nil {
			return r.fail(s, u, nil, err)
		}
	}
	if r.c.pipe != nil {
		// Send the batch now, so that the revision's duration is its
		// statements' and the version rows are checked before COMMIT.
		// Further statements every such transaction needs go through
		// r.c.queue here, before the sync, to travel in the batch.
		if err := r.flushRows(); err != nil {
			return err
		}
		if err := r.syncFenced(Applied{Revision: s.Revision.ID, Message: s.Revision.Message, Direction: s.Direction}); err != nil {
			return err
		}
	}
	a := Applied{Revision: s.Revision.ID, Message: s.Revision.Message, Direction: s.Direction, Duration: time.Since(start)}
	entry.done, entry.duration = entry.total, a.Duration
	if noTx {
		ms := entry.duration.Milliseconds()
		if r.offline != nil {
			ms = 0 // the applying run's duration is not known here
		}
		if _, err := r.c.Exec(hs.finish(), statusDone, ms, b.checksumOrEmpty(), entry.revision); err != nil {
			return r.fail(s, u, nil, fmt.Errorf("history table %s: %w", hs.t, err))
		}
	} else {
		entry.status = statusDone
		r.hist = append(r.hist, entry)
	}
	if stampOnly {
		a.Duration = 0
	}
	r.pending = append(r.pending, a)
	if !stampOnly {
		r.log(a)
	}
	if noTx || !perRun {
		return r.commit()
	}
	if r.offline != nil {
		// An offline script shows each revision's bookkeeping after it.
		return r.flush()
	}
	return nil
}

// historyRow is one row about to be written to the history table.
type historyRow struct {
	revision, direction, status, checksum string
	done, total                           int
	started                               time.Time
	duration                              time.Duration
}

// writeHistory writes one history row at once (a transaction=false
// section's "running" row, which must be visible before its statements run).
func (r *runner) writeHistory(hs historySQL, h historyRow) error {
	_, err := r.c.Exec(hs.insertRows(1), r.historyArgs(h)...)
	if err != nil {
		return fmt.Errorf("history table %s: %w", hs.t, err)
	}
	return nil
}

func (h historyRow) args() []any {
	return []any{h.revision, h.direction, h.status, h.checksum, h.done, h.total,
		h.started.UTC().Format(time.RFC3339Nano), h.duration.Milliseconds(), hostName, toolVersion}
}

// historyArgs returns the arguments of h's history row. An offline script
// records the applying session's clock and leaves out the client host, which
// only the applying side knows; duration_ms keeps its default, 0.
func (r *runner) historyArgs(h historyRow) []any {
	args := h.args()
	if r.offline != nil {
		args[6], args[7], args[8] = sessionNow{}, 0, ""
	}
	return args
}

// historyBatch bounds the rows of one multi-row history INSERT (10
// parameters a row, under every database's parameter limit).
const historyBatch = 500

// flush writes what the steps since the last flush did to the version and
// history tables: the net change of the version rows, then the queued
// history rows, a few statements however many revisions ran. It runs in the
// open transaction, before its COMMIT, so bookkeeping and revisions commit
// together.
func (r *runner) flush() error {
	if err := r.flushRows(); err != nil {
		return err
	}
	hs := r.hs
	for len(r.hist) > 0 {
		n := min(len(r.hist), historyBatch)
		args := make([]any, 0, n*10)
		for _, h := range r.hist[:n] {
			args = append(args, r.historyArgs(h)...)
		}
		err := r.c.queue(queued{
			stmt: adapter.Statement{SQL: hs.insertRows(n), Args: args},
			wrap: func(err error) error { return fmt.Errorf("history table %s: %w", hs.t, err) },
		})
		if err != nil {
			return err
		}
		r.hist = r.hist[n:]
	}
	return nil
}

// flushRows writes the net change of the version rows since the last
// flush; each statement's count is checked before the transaction commits.
func (r *runner) flushRows() error {
	t := r.e.table
	removed, added := r.rows.diff()
	for len(removed) > 0 && len(added) > 0 {
		from, to := removed[0], added[0]
		err := r.c.queue(queued{
			stmt: adapter.Statement{SQL: r.d.UpdateHead(t), Args: []any{to, from}},
			wrap: func(err error) error { return fmt.Errorf("version table %s: update %s to %s: %w", t, from, to, err) },
			check: func(n int64) error {
				if n != 1 {
					return fmt.Errorf("version table %s: expected to update one row from %s to %s, updated %d; was the table changed by something else?", t, from, to, n)
				}
				return nil
			},
		})
		if err != nil {
			return err
		}
		removed, added = removed[1:], added[1:]
	}
	for _, from := range removed {
		err := r.c.queue(queued{
			stmt: adapter.Statement{SQL: r.d.DeleteHead(t), Args: []any{from}},
			wrap: func(err error) error { return fmt.Errorf("version table %s: delete %s: %w", t, from, err) },
			check: func(n int64) error {
				if n != 1 {
					return fmt.Errorf("version table %s: expected to delete one row %s, deleted %d; was the table changed by something else?", t, from, n)
				}
				return nil
			},
		})
		if err != nil {
			return err
		}
	}
	for _, to := range added {
		// Checked too (a failed INSERT is an error anyway), so that it
		// runs before the COMMIT and not with it.
		err := r.c.queue(queued{
			stmt:  adapter.Statement{SQL: r.d.InsertHead(t), Args: []any{to}},
			wrap:  func(err error) error { return fmt.Errorf("version table %s: insert %s: %w", t, to, err) },
			check: func(int64) error { return nil },
		})
		if err != nil {
			return err
		}
	}
	r.rows.markFlushed()
	return nil
}

// describe names a step for the comments of an offline script.
func (r *runner) describe(s revgraph.Step, u *unit, stampOnly bool) string {
	verb := s.Direction.String()
	if stampOnly {
		verb = "stamp"
	}
	text := verb + " " + s.Revision.ID
	if s.Revision.Message != "" {
		text += " (" + s.Revision.Message + ")"
	}
	if u != nil && u.path != "" && !stampOnly {
		text += " from " + u.path
	}
	return strings.ReplaceAll(text, "\n", " ")
}

func (r *runner) log(a Applied) {
	r.e.cfg.Logger.Info().Str("revision", a.Revision).Str("revision_message", a.Message).
		Str("direction", a.Direction.String()).Dur("duration", a.Duration).Msg(a.Direction.String())
}

// execBody runs a body's statements from index skip on. Outside a
// transaction (noTx: a transaction=false section, or DDL where it commits
// implicitly) it records each completed statement in the history table, so
// that an interrupted run can say where it stopped.
func (r *runner) execBody(s revgraph.Step, u *unit, b *body, skip int, noTx bool, hs historySQL) error {
	if b.fn != nil {
		// Go code may read the version or history table: bring them up to date.
		if err := r.flush(); err != nil {
			return r.fail(s, u, nil, err)
		}
		if err := b.fn(r.c); err != nil {
			return r.fail(s, u, nil, err)
		}
		return nil
	}
	for i := skip; i < len(b.statements); i++ {
		st := &b.statements[i]
		err := r.c.queue(queued{
			stmt: adapter.Statement{SQL: st.SQL},
			wrap: func(err error) error { return r.fail(s, u, st, err) },
			// Checked, so that it runs before the COMMIT even when it
			// could ride with it.
			check: func(int64) error { return nil },
		})
		if err != nil {
			return err
		}
		if noTx && i+1 < len(b.statements) {
			if _, err := r.c.Exec(hs.progress(), i+1, b.doneChecksum(i+1), s.Revision.ID); err != nil {
				return r.fail(s, u, nil, fmt.Errorf("history table %s: %w", hs.t, err))
			}
		}
	}
	return nil
}

// autocommits reports whether b must run statement by statement because
// the database would commit its DDL implicitly. Inside a caller's
// transaction the caller decides; Go revisions run as they are.
func (r *runner) autocommits(b *body) bool {
	return !r.d.TransactionalDDL() && !r.shared && b.fn == nil && b.commitsImplicitly()
}

func (r *runner) fail(s revgraph.Step, u *unit, st *scriptStatement, err error) error {
	if errorsAsRevision(err) {
		return err
	}
	re := &RevisionError{Revision: s.Revision.ID, Message: s.Revision.Message, Direction: s.Direction, Err: err}
	if u != nil {
		re.Path = u.path
	}
	if st != nil {
		re.Line = st.Line
		re.Statement = firstLine(st.SQL)
	}
	return re
}

func firstLine(sql string) string {
	sql = strings.TrimSpace(sql)
	if i := strings.IndexByte(sql, '\n'); i >= 0 {
		sql = strings.TrimSpace(sql[:i]) + " …"
	}
	const max = 80
	if len(sql) > max {
		sql = sql[:max] + "…"
	}
	return sql
}

// versionOp applies one version-row change of the plan to the rows in
// memory; flush writes the net change.
func (r *runner) versionOp(op revgraph.VersionOp) error {
	switch op.Kind {
	case revgraph.OpInsert, revgraph.OpDelete, revgraph.OpUpdate:
		return r.rows.apply(r.e.table.String(), op.From, op.To, op.Kind == revgraph.OpInsert, op.Kind == revgraph.OpDelete)
	}
	return nil
}

// commit commits the open transaction, if any, and records what it held.
// A transaction that does not commit is reported as a *CommitError naming
// its revisions.
func (r *runner) commit() error {
	fenced := r.fenced
	r.fenced = false
	if r.c.inTx() && !fenced {
		if err := r.fenceTx(); err != nil {
			return &CommitError{Revisions: slices.Clone(r.pending), Err: err}
		}
	}
	if err := r.flush(); err != nil {
		return err
	}
	if err := r.c.commit(); err != nil {
		if r.offline != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return &CommitError{Revisions: slices.Clone(r.pending), Err: err}
	}
	r.res.Applied = append(r.res.Applied, r.pending...)
	r.pending = r.pending[:0]
	r.saved = r.rows.list()
	r.res.To = r.saved
	return nil
}

// syncFenced sends the batch a pipelined revision gathered (BEGIN, its
// statements, its version-row change) with the lock's fencing check as
// the batch's last statement, so that the check costs no round trip of
// its own; commit then does not fence that transaction again. A fence that
// checks on a connection of its own runs again after the batch, as the
// rule of fenceTx wants. step is the revision, for a CommitError.
func (r *runner) syncFenced(step Applied) error {
	if r.fence == nil || r.offline != nil {
		return r.c.sync()
	}
	fail := func(err error) error {
		return &CommitError{Revisions: append(slices.Clone(r.pending), step), Err: err}
	}
	bq := &batchQuerier{c: r.c}
	err := r.fence(r.c.ctx, bq)
	switch {
	case bq.prior != nil:
		// A statement before the check failed: that is the error.
		return bq.prior
	case err != nil:
		return fail(err)
	case !bq.used:
		if err := r.c.sync(); err != nil {
			return err
		}
		if err := r.fenceTx(); err != nil {
			return fail(err)
		}
	}
	r.fenced = true
	return nil
}

// batchQuerier is the Querier a fence runs on in a pipelined revision: its
// first Exec joins the gathered batch as the last statement and sends it.
type batchQuerier struct {
	c     *syncConn
	used  bool
	prior error // the error of a statement queued before the fence's
}

func (b *batchQuerier) Exec(_ context.Context, sql string, args ...any) (int64, error) {
	b.used = true
	if b.c.pipe == nil {
		return b.c.Exec(sql, args...)
	}
	var n int64
	var own error
	b.c.pipe.stmts = append(b.c.pipe.stmts, queued{
		stmt:  adapter.Statement{SQL: sql, Args: args},
		check: func(x int64) error { n = x; return nil },
		wrap:  func(err error) error { own = err; return err },
	})
	if err := b.c.sync(); err != nil {
		if own != nil {
			return 0, own
		}
		b.prior = err
		return 0, err
	}
	return n, nil
}

func (b *batchQuerier) Query(_ context.Context, sql string, args ...any) (adapter.Rows, error) {
	b.used = true
	return b.c.Query(sql, args...)
}

// fenceTx is the fencing hook: it must run inside every transaction that
// writes version rows, after its last revision statement and before its
// COMMIT (a pipelined path included). With a lock that can be lost while
// held (a lease) it checks, in that same transaction, that the lock is
// still this run's and keeps it so until the transaction ends; an error
// wraps adapter.ErrLockLost, and the caller must roll back. With a lock
// that lasts as long as its session, it does nothing.
func (r *runner) fenceTx() error {
	if r.fence == nil || r.offline != nil {
		return nil
	}
	return r.fence(r.c.ctx, r.c.querier())
}
