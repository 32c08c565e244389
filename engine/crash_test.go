package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
)

// The crash and cancel suites run a short version by default and a long one
// under -stress or MIGRATE_STRESS=1. MIGRATE_SEED fixes the random seed.
var stressFlag = flag.Bool("stress", false, "run the long crash and cancel suites")

func stressMode() bool { return *stressFlag || os.Getenv("MIGRATE_STRESS") == "1" }

// modeStop returns when one of modesLeft remaining runs of a suite must
// stop: its share of the time before the test binary's deadline, less a
// margin for cleanup. The zero time means no limit.
func modeStop(t *testing.T, modesLeft int) time.Time {
	d, ok := t.Deadline()
	if !ok {
		return time.Time{}
	}
	return time.Now().Add((time.Until(d) - 30*time.Second) / time.Duration(modesLeft))
}

// stopEarly reports whether a suite has reached its share of the time. A
// short run fails there; a stress run reports what it did.
func stopEarly(t *testing.T, stop time.Time, done, want int, what string) bool {
	t.Helper()
	if stop.IsZero() || time.Now().Before(stop) {
		return false
	}
	if stressMode() {
		t.Logf("time is up: %d of %d %s ran", done, want, what)
	} else {
		t.Errorf("time is up: %d of %d %s ran", done, want, what)
	}
	return true
}

// suiteSeed returns the seed of a randomised suite, from MIGRATE_SEED when
// set, and logs it so that a failure can be replayed.
func suiteSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MIGRATE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MIGRATE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay with MIGRATE_SEED=%d)", seed, seed)
	return seed
}

// relGraph is the linear graph of the reliability suites: revision i
// (r001…) creates table t_00i and inserts one row, i, into it, with slow
// statements between so that a kill or cancel lands inside revisions.
// Every fourth revision has an index and a second slow statement. The
// revisions in noTx run with transaction=false; their statements are
// idempotent, since an interrupted statement runs again on resume.
type relGraph struct {
	n    int
	noTx map[int]bool
	// implicit leaves the transaction=false directive out of the noTx
	// revisions: on MySQL their DDL alone makes the engine run them
	// statement by statement.
	implicit bool
}

// noTxTotal is the statement count of a transaction=false revision:
// create, slow, insert, slow.
const noTxTotal = 4

func relID(i int) string    { return fmt.Sprintf("r%03d", i) }
func relTable(i int) string { return fmt.Sprintf("t_%03d", i) }

func (g relGraph) files(slow string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := 1; i <= g.n; i++ {
		var b strings.Builder
		fmt.Fprintf(&b, "-- migrate:revision %s\n", relID(i))
		if i > 1 {
			fmt.Fprintf(&b, "-- migrate:down_revision %s\n", relID(i-1))
		}
		fmt.Fprintf(&b, "-- migrate:message step %d\n\n", i)
		tbl := relTable(i)
		if g.noTx[i] {
			if g.implicit {
				b.WriteString("-- migrate:upgrade\n")
			} else {
				b.WriteString("-- migrate:upgrade transaction=false\n")
			}
			fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (id int);\n%s;\n", tbl, slow)
			fmt.Fprintf(&b, "INSERT INTO %s SELECT %d WHERE NOT EXISTS (SELECT 1 FROM %s);\n%s;\n", tbl, i, tbl, slow)
		} else {
			b.WriteString("-- migrate:upgrade\n")
			fmt.Fprintf(&b, "CREATE TABLE %s (id int);\n%s;\nINSERT INTO %s VALUES (%d);\n", tbl, slow, tbl, i)
			if i%4 == 0 {
				fmt.Fprintf(&b, "CREATE INDEX %s_id ON %s (id);\n%s;\n", tbl, tbl, slow)
			}
		}
		fmt.Fprintf(&b, "\n-- migrate:downgrade\nDROP TABLE %s;\n", tbl)
		fsys[fmt.Sprintf("%03d_step.sql", i)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return fsys
}

// relSlow is a statement of a few milliseconds.
func relSlow(dialect string) string {
	switch dialect {
	case "postgres":
		return "SELECT pg_sleep(0.004)"
	case "mysql":
		return "DO SLEEP(0.004)"
	}
	return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 4000) SELECT count(*) FROM c"
}

// relObs is what the database holds, seen from outside the engine.
type relObs struct {
	rows    []string       // version rows
	tables  map[int][3]int // t_i: row count, min(id), max(id)
	other   []string       // tables that are neither t_i nor the engine's
	done    map[string]int // history rows per revision: upgrade done (or stamped)
	running []relRunning   // history rows still running
}

type relRunning struct {
	revision, direction string
	done                int
}

func (o relObs) String() string {
	ts := make([]string, 0, len(o.tables))
	for i, v := range o.tables {
		ts = append(ts, fmt.Sprintf("%s:%v", relTable(i), v))
	}
	sort.Strings(ts)
	return fmt.Sprintf("rows %v, running %v, tables [%s], other %v", o.rows, o.running, strings.Join(ts, " "), o.other)
}

func observe(t *testing.T, db *testDB) relObs {
	t.Helper()
	o := relObs{tables: map[int][3]int{}, done: map[string]int{}}
	var counts []string
	hasHist := false
	for _, name := range db.tables(t) {
		switch {
		case name == engine.DefaultVersionTable:
		case name == engine.DefaultHistoryTable:
			hasHist = true
		case strings.HasPrefix(name, "t_"):
			i, err := strconv.Atoi(name[2:])
			if err != nil {
				o.other = append(o.other, name)
				continue
			}
			o.tables[i] = [3]int{}
			counts = append(counts, fmt.Sprintf("SELECT %d, count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM %s", i, name))
		default:
			o.other = append(o.other, name)
		}
	}
	o.rows = db.versionRows(t)
	if len(counts) > 0 {
		for _, r := range db.query(t, 4, strings.Join(counts, " UNION ALL ")) {
			o.tables[int(asInt(r[0]))] = [3]int{int(asInt(r[1])), int(asInt(r[2])), int(asInt(r[3]))}
		}
	}
	if hasHist {
		for _, r := range db.query(t, 4, "SELECT revision, direction, status, statements_done FROM migrate_history ORDER BY id") {
			rev, dir, status := asString(r[0]), asString(r[1]), asString(r[2])
			switch {
			case status == "running":
				o.running = append(o.running, relRunning{revision: rev, direction: dir, done: int(asInt(r[3]))})
			case dir == "upgrade" && (status == "done" || status == "stamped"):
				o.done[rev]++
			}
		}
	}
	return o
}

// verify checks that the version rows match exactly the revisions whose
// effects are present. It returns how many revisions are applied and the
// interrupted transaction=false section, if any, whose partial effects are
// those its recorded progress allows.
func (g relGraph) verify(o relObs) (int, *relRunning, error) {
	k := 0
	switch {
	case len(o.rows) == 0:
	case len(o.rows) == 1:
		n, err := strconv.Atoi(strings.TrimPrefix(o.rows[0], "r"))
		if err != nil || !strings.HasPrefix(o.rows[0], "r") || n < 1 || n > g.n {
			return 0, nil, fmt.Errorf("unknown version row %q", o.rows[0])
		}
		k = n
	default:
		return 0, nil, fmt.Errorf("%d version rows on a linear graph", len(o.rows))
	}
	if len(o.other) > 0 {
		return k, nil, fmt.Errorf("unexpected tables %v", o.other)
	}
	var run *relRunning
	switch len(o.running) {
	case 0:
	case 1:
		run = &o.running[0]
		// A running section is always the next one: its version row and
		// its history "done" are written in one transaction.
		if run.revision != relID(k+1) || run.direction != "upgrade" || !g.noTx[k+1] {
			return k, run, fmt.Errorf("history says %s of %s is running, but the version row is at %d (%v)", run.direction, run.revision, k, o.rows)
		}
	default:
		return k, nil, fmt.Errorf("%d running history rows: %v", len(o.running), o.running)
	}
	for i := 1; i <= g.n; i++ {
		v, ok := o.tables[i]
		full := ok && v == [3]int{1, i, i}
		switch {
		case i <= k:
			if !full {
				return k, run, fmt.Errorf("version row at %s but the effect of %s is %v (present %v)", relID(k), relID(i), v, ok)
			}
			if n := o.done[relID(i)]; n != 1 {
				return k, run, fmt.Errorf("%s is applied but has %d done history rows", relID(i), n)
			}
		case i == k+1 && run != nil:
			// Statements 1..done completed; statement done+1 may have run.
			d := run.done
			if d >= 1 && !ok || d >= 3 && !full {
				return k, run, fmt.Errorf("%s recorded %d statements done but its effect is %v (present %v)", relID(i), d, v, ok)
			}
			if ok && v[0] > 0 && (d < 2 || !full) {
				return k, run, fmt.Errorf("%s has its row %v but recorded only %d statements done", relID(i), v, d)
			}
			if o.done[relID(i)] != 0 {
				return k, run, fmt.Errorf("%s is running but has a done history row", relID(i))
			}
		default:
			if ok {
				return k, run, fmt.Errorf("version row at %v but %s exists (%v)", o.rows, relTable(i), v)
			}
			if o.done[relID(i)] != 0 {
				return k, run, fmt.Errorf("%s is not applied but has a done history row", relID(i))
			}
		}
	}
	return k, run, nil
}

// relDB hands out an empty database of one dialect for each iteration of a
// suite. URLs carry an application_name so that the engine's PostgreSQL
// sessions can be counted in pg_stat_activity.
type relDB struct {
	name    string
	app     string
	dir     string // sqlite: folder of the per-iteration files
	pg      *testDB
	current *testDB
	seq     int
}

func newRelDB(t *testing.T, name, app string) *relDB {
	r := &relDB{name: name, app: app}
	if name == "mysql" {
		return r
	}
	if name == "postgres" {
		r.pg = postgresDB(t)
		r.pg.url += "&application_name=" + app
	} else {
		r.dir = t.TempDir()
	}
	t.Cleanup(func() {
		if r.name == "sqlite" && r.current != nil {
			_ = r.current.inspect.Close()
		}
	})
	return r
}

// fresh returns an empty database: a new file for SQLite, the schema
// dropped and recreated for PostgreSQL.
func (r *relDB) fresh(t *testing.T) *testDB {
	t.Helper()
	r.seq++
	if r.name == "mysql" {
		// A database per iteration; the inspecting pool keeps one
		// session, so that the engine's can be counted apart from it.
		r.current = mysqlDB(t)
		r.current.inspect.(*mysql.Pool).DB().SetMaxOpenConns(1)
		return r.current
	}
	if r.name == "postgres" {
		ctx := context.WithoutCancel(t.Context())
		c, err := r.pg.inspect.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		for _, s := range []string{"DROP SCHEMA public CASCADE", "CREATE SCHEMA public"} {
			if _, err := c.Exec(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		r.current = r.pg
		return r.pg
	}
	if r.current != nil {
		_ = r.current.inspect.Close()
		old := strings.TrimPrefix(r.current.url, "sqlite:")
		for _, suffix := range []string{"", "-wal", "-shm", "-journal", sqlite.LockFileSuffix} {
			_ = os.Remove(old + suffix)
		}
	}
	path := filepath.Join(r.dir, fmt.Sprintf("db%05d.db", r.seq))
	p, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	r.current = &testDB{name: "sqlite", url: "sqlite:" + path, inspect: p}
	return r.current
}

// engineBackends counts the sessions of the engine's application name on
// the test database.
func (r *relDB) engineBackends(t *testing.T) int {
	t.Helper()
	rows := r.pg.query(t, 1, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", r.app)
	return int(asInt(rows[0][0]))
}

// waitBackendsGone waits until no session of the engine's application name
// is left, and fails after limit.
func (r *relDB) waitBackendsGone(t *testing.T, limit time.Duration) {
	t.Helper()
	count := r.engineBackends
	switch r.name {
	case "postgres":
	case "mysql":
		// Every other session on the iteration's database is the engine's.
		count = func(t *testing.T) int {
			rows := r.current.query(t, 1, "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()")
			return int(asInt(rows[0][0]))
		}
	default:
		return
	}
	deadline := time.Now().Add(limit)
	for {
		n := count(t)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions of %s still open after %v", n, r.app, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// crashChildEnv carries the child's instructions.
const crashChildEnv = "RETORT_CRASH_CHILD"

type crashChildCfg struct {
	URL  string
	Dir  string
	Mode engine.TxMode
}

// crashReady is printed by the child when its upgrade starts.
const crashReady = "retort-crash-ready"

// TestCrashChild is the process the crash suite kills. Without its
// environment variable it does nothing.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv(crashChildEnv)
	if raw == "" {
		return
	}
	var cfg crashChildCfg
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	e, err := dbopen.Engine(context.Background(), engine.Config{URL: cfg.URL, Scripts: os.DirFS(cfg.Dir), TxMode: cfg.Mode})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	fmt.Println(crashReady)
	if _, err := e.Upgrade(context.Background(), "head"); err != nil {
		t.Fatal(err)
	}
}

// readyWriter collects a child's output and closes ready when the child
// says its upgrade has started.
type readyWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	ready chan struct{}
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.Contains(w.buf.Bytes(), []byte(crashReady)) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// runChild starts the child upgrade and kills it with SIGKILL after delay
// (counted from the start of its upgrade); a negative delay lets it finish.
// It reports whether the kill landed while the child was still running, and
// how long the upgrade ran.
func runChild(t *testing.T, cfg crashChildCfg, delay time.Duration) (bool, time.Duration) {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(raw))
	out := &readyWriter{ready: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-out.ready:
	case err := <-exited:
		t.Fatalf("child exited before its upgrade started: %v\n%s", err, out)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Fatalf("child did not start its upgrade\n%s", out)
	}
	start := time.Now()
	if delay < 0 {
		if err := <-exited; err != nil {
			t.Fatalf("child upgrade: %v\n%s", err, out)
		}
		return false, time.Since(start)
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("child upgrade: %v\n%s", err, out)
		}
		return false, time.Since(start)
	case <-timer.C:
	}
	if err := cmd.Process.Kill(); err != nil {
		if !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
	}
	err = <-exited
	var ee *exec.ExitError
	if err == nil || !errors.As(err, &ee) {
		// The child finished as the kill was sent.
		return false, time.Since(start)
	}
	return true, time.Since(start)
}

// TestCrash kills a process upgrading a 50-revision graph with SIGKILL at
// random moments, on SQLite and PostgreSQL and in both transaction modes.
// After each kill the version rows must match exactly the revisions whose
// effects are present; an interrupted transaction=false section must be
// reported as such and resume; and a rerun must reach head with every
// effect present once.
func TestCrash(t *testing.T) {
	perMode := 6
	if stressMode() {
		perMode = 100
	}
	seed := suiteSeed(t)
	left := 6 // databases × transaction modes
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			g := relGraph{n: 50, noTx: map[int]bool{13: true, 29: true, 41: true}}
			if name == "mysql" {
				// Every revision holds DDL, which MySQL commits at once:
				// each runs statement by statement, and a kill in any of
				// them must leave an exact, resumable record.
				g.implicit = true
				for i := 1; i <= g.n; i++ {
					g.noTx[i] = true
				}
			}
			rdb := newRelDB(t, name, "retort_crash")
			dir := t.TempDir()
			for f, data := range g.files(relSlow(name)) {
				if err := os.WriteFile(filepath.Join(dir, f), data.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, mode := range []engine.TxMode{engine.TxPerRun, engine.TxPerRevision} {
				left--
				stop := modeStop(t, left+1)
				t.Run(modeName(mode), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, uint64(len(name))*10+uint64(mode)))
					crashSuite(t, g, rdb, dir, mode, perMode, rng, stop)
				})
			}
		})
	}
}

func modeName(m engine.TxMode) string {
	if m == engine.TxPerRevision {
		return "per-revision"
	}
	return "per-run"
}

func crashSuite(t *testing.T, g relGraph, rdb *relDB, dir string, mode engine.TxMode, kills int, rng *rand.Rand, stop time.Time) {
	// Full runs first: they check the child and calibrate the kill window
	// (the faster of two).
	cfg := crashChildCfg{Dir: dir, Mode: mode}
	var full time.Duration
	for range 2 {
		db := rdb.fresh(t)
		cfg.URL = db.url
		_, d := runChild(t, cfg, -1)
		rdb.waitBackendsGone(t, 10*time.Second)
		if k, _, err := g.verify(observe(t, db)); err != nil || k != g.n {
			t.Fatalf("full run: at %d: %v", k, err)
		}
		if full == 0 || d < full {
			full = d
		}
	}
	t.Logf("full upgrade of %d revisions: %v", g.n, full.Round(time.Millisecond))

	landed, missed, partial, interrupted := 0, 0, 0, 0
	for iter := 0; landed < kills; iter++ {
		if stopEarly(t, stop, landed, kills, "kills") {
			break
		}
		if iter > 3*kills {
			t.Fatalf("only %d of %d kills landed in %d runs", landed, kills, iter)
		}
		db := rdb.fresh(t)
		cfg.URL = db.url
		delay := time.Duration(rng.Int64N(int64(full)))
		killed, _ := runChild(t, cfg, delay)
		if killed {
			landed++
		} else {
			missed++
		}
		rdb.waitBackendsGone(t, 10*time.Second)
		o := observe(t, db)
		k, run, err := g.verify(o)
		if err != nil {
			t.Fatalf("iteration %d (kill after %v): %v\n%v", iter, delay, err, o)
		}
		if k > 0 && k < g.n {
			partial++
		}
		fsys := os.DirFS(dir)
		if run != nil {
			interrupted++
			e := openRel(t, db.url, fsys, mode, false)
			_, err := e.Upgrade(t.Context(), "head")
			var ie *engine.InterruptedError
			if !errors.As(err, &ie) || ie.Revision != run.revision || ie.Done != run.done || ie.Total != noTxTotal {
				t.Fatalf("iteration %d: upgrade over the interrupted %s: %v", iter, run.revision, err)
			}
			_ = e.Close()
			if after := observe(t, db); after.String() != o.String() {
				t.Fatalf("iteration %d: refused upgrade changed the database:\n%v\n%v", iter, o, after)
			}
		}
		e := openRel(t, db.url, fsys, mode, run != nil)
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatalf("iteration %d: rerun after the kill at %d: %v", iter, k, err)
		}
		if err := e.Check(t.Context()); err != nil {
			t.Fatalf("iteration %d: check after the rerun: %v", iter, err)
		}
		_ = e.Close()
		o = observe(t, db)
		if k, run, err := g.verify(o); err != nil || k != g.n || run != nil {
			t.Fatalf("iteration %d: after the rerun at %d (running %v): %v\n%v", iter, k, run, err, o)
		}
	}
	t.Logf("%d kills landed mid-run (%d left partial revisions applied, %d inside a transaction=false section), %d runs finished first; 0 losses",
		landed, partial, interrupted, missed)
}

func openRel(t *testing.T, url string, fsys fs.FS, mode engine.TxMode, resume bool) *engine.Engine {
	t.Helper()
	e, err := dbopen.Engine(t.Context(), engine.Config{URL: url, Scripts: fsys, TxMode: mode, Resume: resume})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
