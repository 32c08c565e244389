package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const defaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

type options struct {
	rounds, warmup int
	sizes          []int
	dbs            []string
	only           map[string]bool
	w3n, w3rows    int
	w5runs, w5revs int
	w4sizes        []int
	w6pg, w6sqlite []int
	w6rounds       int
	w6conc         []int
	repo           string
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == childFlag {
		if err := childMain(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) == 2 && os.Args[1] == "-noop" {
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	var sizes, dbs, only, conc, w4sizes, w6pg, w6sqlite string
	flag.IntVar(&o.rounds, "rounds", 5, "measured rounds per case")
	flag.IntVar(&o.warmup, "warmup", 1, "warm-up rounds per case, not reported (W1/W2: before the first size only)")
	flag.StringVar(&sizes, "sizes", "100,1000", "W1/W2 chain lengths")
	flag.StringVar(&dbs, "dbs", "sqlite,postgres", "databases to run on")
	flag.StringVar(&only, "only", "W1,W3,W4,W5,W6", "workloads to run (W2 runs with W1, on the database W1 left at head)")
	flag.IntVar(&o.w3n, "w3-revisions", 50, "W3 chain length")
	flag.IntVar(&o.w3rows, "w3-rows", 1000, "rows each W3 revision inserts")
	flag.StringVar(&w4sizes, "w4-sizes", "10000,100000", "W4 graph sizes (revisions); goose and golang-migrate run at the first")
	flag.IntVar(&o.w5runs, "w5-runs", 20, "W5 measured CLI runs")
	flag.IntVar(&o.w5revs, "w5-revisions", 100, "W5 chain length")
	flag.StringVar(&w6pg, "w6-schemas", "400,2000", "W6 fleet sizes in PostgreSQL schemas")
	flag.StringVar(&w6sqlite, "w6-files", "2000", "W6 fleet sizes in SQLite files")
	flag.IntVar(&o.w6rounds, "w6-rounds", 3, "W6 measured rounds (each runs every tool on a fresh fleet)")
	flag.StringVar(&conc, "w6-concurrency", "1,4,16", "W6 --concurrency levels of the CLI")
	flag.StringVar(&o.repo, "repo", "..", "root of the retort module (to build the CLI)")
	flag.Parse()
	var err error
	if o.sizes, err = ints(sizes); err != nil {
		return err
	}
	if o.w4sizes, err = ints(w4sizes); err != nil {
		return err
	}
	if o.w6conc, err = ints(conc); err != nil {
		return err
	}
	if o.w6pg, err = ints(w6pg); err != nil {
		return err
	}
	if o.w6sqlite, err = ints(w6sqlite); err != nil {
		return err
	}
	o.dbs = strings.Split(dbs, ",")
	o.only = map[string]bool{}
	for _, w := range strings.Split(only, ",") {
		o.only[strings.ToUpper(strings.TrimSpace(w))] = true
	}
	if o.rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "retort-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	b := &bench{opts: o, self: self, tmp: tmp, log: os.Stderr}
	if b.has(dbPostgres) {
		admin := os.Getenv("MIGRATE_BENCH_POSTGRES_URL")
		if admin == "" {
			admin = defaultPostgresURL
		}
		b.pg = &pgServer{admin: admin}
	}
	if b.has(dbMySQL) {
		b.my = &myServer{admin: mysqlAdminURL()}
	}
	b.cli = filepath.Join(tmp, "migrate")
	build := exec.CommandContext(ctx, "go", "build", "-o", b.cli, "./cmd/migrate")
	build.Dir, build.Stderr = o.repo, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the CLI in %s: %w", o.repo, err)
	}
	b.readLoop = filepath.Join(tmp, "readloop")
	b.migrateCLI = filepath.Join(tmp, "golang-migrate")
	for _, args := range [][]string{
		{"build", "-o", b.readLoop, "./cmd/readloop"},
		{"build", "-tags", "sqlite file", "-o", b.migrateCLI, "github.com/golang-migrate/migrate/v4/cmd/migrate"},
	} {
		build := exec.CommandContext(ctx, "go", args...)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
	}
	b.python = alembicPython(ctx)
	return b.all(ctx, os.Stdout)
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("not a number list: %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// bench holds one run of the harness.
type bench struct {
	opts options
	self string
	tmp  string
	cli  string
	// readLoop and migrateCLI are the helper binaries of W4 and W5: a
	// sequential loop reading a folder's files, and golang-migrate's own
	// command line (sqlite driver).
	readLoop, migrateCLI string
	// python is the interpreter that imports alembic, "" when none does.
	python string
	pg     *pgServer
	my     *myServer
	log    io.Writer
	seq    int
}

func (b *bench) has(db string) bool {
	for _, d := range b.opts.dbs {
		if d == db {
			return true
		}
	}
	return false
}

func (b *bench) all(ctx context.Context, out io.Writer) error {
	start := time.Now()
	env, err := b.environment(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(out, env)
	fmt.Fprintf(out, "Rounds: %d warm-up (W1/W2: before the first size of each database only) + %d measured per case, "+
		"tools interleaved round by round (A B C A B C …). Each run is a child process on a fresh database; "+
		"its time runs from opening the database to closing it (the CLI rows: the whole process). "+
		"Times are medians; ratios compare medians (row ÷ column); CPU is the process's user+system time (median); "+
		"peak RSS is the largest VmHWM of the runs.\n\n", b.opts.warmup, b.opts.rounds)
	if b.opts.only["W1"] || b.opts.only["W2"] {
		up, down, err := b.chains(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "### W1: trivial revisions from empty (upgrade to head)")
		fmt.Fprintln(out)
		writeTable(out, up)
		fmt.Fprintln(out, "### W2: the same, downgraded to base")
		fmt.Fprintln(out)
		writeTable(out, down)
	}
	if b.opts.only["W3"] {
		cells, err := b.dataMigrations(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "### W3: %d revisions inserting %d rows each (upgrade to head)\n\n", b.opts.w3n, b.opts.w3rows)
		writeTable(out, cells)
	}
	if b.opts.only["W4"] {
		cells, err := b.graphScale(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "### W4: graph scale, `heads`, `history` and `upgrade head --sql` on branched graphs (cold processes)")
		fmt.Fprintln(out)
		writeTable(out, cells)
	}
	if b.opts.only["W5"] {
		c, err := b.coldStart(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "### W5: CLI cold start, `migrate current` on an up-to-date SQLite database (%d revisions)\n\n", b.opts.w5revs)
		writeTable(out, []*cell{c})
		if b.has(dbMySQL) {
			n := b.opts.sizes[len(b.opts.sizes)-1]
			c, err := b.coldCurrentMySQL(ctx, n)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "### W5 on MySQL: CLI cold start, `migrate current` on an up-to-date MySQL database (%d revisions)\n\n", n)
			writeTable(out, []*cell{c})
		}
	}
	if b.opts.only["W6"] {
		cells, err := b.fleets(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "### W6: fleets, %d revisions of 2 statements per target, from empty (%d rounds, whole processes)\n\n",
			fleetRevisions, b.opts.w6rounds)
		writeTable(out, cells)
	}
	fmt.Fprintf(out, "Harness wall time: %s.\n", time.Since(start).Round(time.Second))
	return nil
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.log, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// scripts generates w's scripts once and returns their folder.
func (b *bench) scripts(w *workload) (string, error) {
	dir := filepath.Join(b.tmp, "scripts", fmt.Sprintf("%s-%d", w.name, w.n))
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	return dir, w.write(dir)
}

// target is one fresh empty database.
type target struct {
	db      string
	address string // URL or file path
	cleanup func() error
}

func (b *bench) fresh(ctx context.Context, db string) (*target, error) {
	if db == dbMySQL {
		u, err := b.my.create(ctx)
		if err != nil {
			return nil, err
		}
		return &target{db: db, address: u, cleanup: func() error {
			return b.my.drop(context.WithoutCancel(ctx), u)
		}}, nil
	}
	if db == dbPostgres {
		u, err := b.pg.create(ctx)
		if err != nil {
			return nil, err
		}
		return &target{db: db, address: u, cleanup: func() error {
			return b.pg.drop(context.WithoutCancel(ctx), u)
		}}, nil
	}
	b.seq++
	dir := filepath.Join(b.tmp, "db", strconv.Itoa(b.seq))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &target{db: db, address: filepath.Join(dir, "bench.db"), cleanup: func() error {
		return os.RemoveAll(dir)
	}}, nil
}

// runTool runs one tool in one direction on t.
func (b *bench) runTool(ctx context.Context, tool string, t *target, dir string, w *workload, op string) (sample, error) {
	if tool == toolRetortCLI {
		cmd := "upgrade"
		target := "head"
		if op == opDown {
			cmd, target = "downgrade", "base"
		}
		return runProcess(ctx, b.tmp, b.cli, "--dir", filepath.Join(dir, "retort"), "--url", retortURL(t.db, t.address),
			"--log-level", "disabled", cmd, target)
	}
	j := &job{Tool: tool, DB: t.db, Targets: []string{t.address}, Dir: dir, Op: op, Workload: w.name, N: w.n}
	if w.name != "trivial" {
		j.Workload, j.Rows = "data", b.opts.w3rows
	}
	return runChild(ctx, b.self, j)
}

var chainTools = []string{toolFloorTx, toolFloorAuto, toolRetortRun, toolRetortRev, toolRetortCLI, toolGoose, toolMigrate}

var peerRefs = []string{toolFloorTx, toolFloorAuto, toolGoose, toolMigrate}

// chains runs W1 and W2: every tool upgrades a fresh database to head (W1)
// and then downgrades the same database to base (W2).
func (b *bench) chains(ctx context.Context) (up, down []*cell, err error) {
	for _, db := range b.opts.dbs {
		for i, n := range b.opts.sizes {
			// The warm-up rounds run before the first size only: they warm
			// the server, the file cache and the binaries, which the larger
			// sizes then find warm.
			warm := b.opts.warmup
			if i > 0 {
				warm = 0
			}
			// The CLI runs at the first size only: beside the library it
			// adds process start-up, which W5 measures on its own.
			tools := chainTools
			if i > 0 {
				tools = slices.DeleteFunc(slices.Clone(chainTools), func(t string) bool { return t == toolRetortCLI })
			}
			w := trivial(n)
			dir, err := b.scripts(w)
			if err != nil {
				return nil, nil, err
			}
			title := fmt.Sprintf("%s, %d", db, n)
			u, d := newCell(title, tools, peerRefs), newCell(title, tools, peerRefs)
			for r := range warm + b.opts.rounds {
				b.progress("W1/W2 %s round %d", title, r+1)
				for _, tool := range tools {
					su, sd, err := b.upDown(ctx, tool, db, dir, w)
					if err != nil {
						return nil, nil, err
					}
					if r >= warm {
						u.add(tool, su)
						d.add(tool, sd)
					}
				}
			}
			up, down = append(up, u), append(down, d)
		}
	}
	return up, down, nil
}

func (b *bench) upDown(ctx context.Context, tool, db, dir string, w *workload) (su, sd sample, err error) {
	t, err := b.fresh(ctx, db)
	if err != nil {
		return su, sd, err
	}
	defer func() {
		if cerr := t.cleanup(); err == nil {
			err = cerr
		}
	}()
	if su, err = b.runTool(ctx, tool, t, dir, w, opUp); err != nil {
		return su, sd, err
	}
	sd, err = b.runTool(ctx, tool, t, dir, w, opDown)
	return su, sd, err
}

var dataTools = []string{toolFloorTx, toolFloorAuto, toolRetortRun, toolRetortRev, toolGoose, toolMigrate}

// dataMigrations runs W3.
func (b *bench) dataMigrations(ctx context.Context) ([]*cell, error) {
	var cells []*cell
	w := dataRows(b.opts.w3n, b.opts.w3rows)
	dir, err := b.scripts(w)
	if err != nil {
		return nil, err
	}
	for _, db := range b.opts.dbs {
		title := fmt.Sprintf("%s, %d×%d", db, b.opts.w3n, b.opts.w3rows)
		c := newCell(title, dataTools, peerRefs)
		for r := range b.opts.warmup + b.opts.rounds {
			b.progress("W3 %s round %d", title, r+1)
			for _, tool := range dataTools {
				s, err := b.once(ctx, tool, db, dir, w)
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

func (b *bench) once(ctx context.Context, tool, db, dir string, w *workload) (s sample, err error) {
	t, err := b.fresh(ctx, db)
	if err != nil {
		return s, err
	}
	defer func() {
		if cerr := t.cleanup(); err == nil {
			err = cerr
		}
	}()
	return b.runTool(ctx, tool, t, dir, w, opUp)
}

const (
	toolCLICurrent        = "retort-cli current"
	toolCLIHelp           = "retort-cli --help"
	toolMigrateCLIVersion = "golang-migrate CLI version"
	toolMigrateCLIHelp    = "golang-migrate CLI -help"
	toolNoop              = "empty Go process"
)

// coldStart runs W5: the CLI's `current` on an up-to-date SQLite database,
// beside an empty Go process as the floor of process start.
func (b *bench) coldStart(ctx context.Context) (*cell, error) {
	w := trivial(b.opts.w5revs)
	dir, err := b.scripts(w)
	if err != nil {
		return nil, err
	}
	t, err := b.fresh(ctx, dbSQLite)
	if err != nil {
		return nil, err
	}
	defer t.cleanup()
	if _, err := b.runTool(ctx, toolRetortCLI, t, dir, w, opUp); err != nil {
		return nil, err
	}
	mt, err := b.fresh(ctx, dbSQLite)
	if err != nil {
		return nil, err
	}
	defer mt.cleanup()
	if _, err := b.runTool(ctx, toolMigrate, mt, dir, w, opUp); err != nil {
		return nil, err
	}
	migrateURL := "sqlite://" + mt.address + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	tools := []string{toolCLICurrent, toolMigrateCLIVersion, toolCLIHelp, toolMigrateCLIHelp, toolNoop}
	c := newCell(fmt.Sprintf("sqlite, %d", w.n), tools, []string{toolNoop, toolMigrateCLIVersion, toolMigrateCLIHelp})
	c.note = "golang-migrate's rows run its own command line (built with the sqlite driver, modernc.org/sqlite) on a database it brought to head; " +
		"`version` is its counterpart of `current`"
	runs := map[string]func() (sample, error){
		toolCLICurrent: func() (sample, error) {
			return runProcess(ctx, b.tmp, b.cli, "--dir", filepath.Join(dir, "retort"), "--url", retortURL(t.db, t.address),
				"--log-level", "disabled", "current")
		},
		toolMigrateCLIVersion: func() (sample, error) {
			return runProcess(ctx, b.tmp, b.migrateCLI, "-path", filepath.Join(dir, "migrate"), "-database", migrateURL, "version")
		},
		toolCLIHelp:        func() (sample, error) { return runProcess(ctx, b.tmp, b.cli, "--help") },
		toolMigrateCLIHelp: func() (sample, error) { return runProcess(ctx, b.tmp, b.migrateCLI, "-help") },
		toolNoop:           func() (sample, error) { return runProcess(ctx, b.tmp, b.self, "-noop") },
	}
	warm := max(b.opts.warmup, 2)
	b.progress("W5 %d runs", b.opts.w5runs)
	for r := range warm + b.opts.w5runs {
		for _, tool := range tools {
			s, err := runs[tool]()
			if err != nil {
				return nil, fmt.Errorf("W5 %s: %w", tool, err)
			}
			if r >= warm {
				c.add(tool, s)
			}
		}
	}
	return c, nil
}
