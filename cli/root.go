package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
)

// globalFlags are the persistent flags shared by every command.
type globalFlags struct {
	config       string
	dir          string
	url          string
	versionTable string
	historyTable string
	txMode       string
	logFormat    string
	logLevel     string
	timeout      time.Duration
	lock         string
	lockLease    time.Duration
	noColor      bool
}

// app is the state of one Main call.
type app struct {
	opts  Options
	flags globalFlags
	set   settings
	log   zerolog.Logger
	goIDs map[string]bool // ids of Options.GoRevisions
	args  []string        // the command line, for hints
	// stderr is Options.Stderr behind a mutex: the fleet's progress line and
	// the targets' log events write to it from several goroutines.
	stderr io.Writer
	// cleanup runs after the command body, newest first: pools opened for
	// a lease locker, say.
	cleanup []func()
}

func (a *app) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "migrate",
		Short: "Schema migrations with Alembic's revision model",
		Long: `migrate manages database schema revisions: SQL scripts with a
"-- migrate:" header, linked into a graph with branches, merges, branch labels
and dependencies, applied to PostgreSQL or SQLite.

The database URL comes from --url, else MIGRATE_URL, else DATABASE_URL, else
the url key of the config file, else ` + DefaultURL + `.`,
		Example: `  migrate init
  migrate revision -m "create account table"
  migrate upgrade head
  migrate --url postgres://app@localhost:5432/app current`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args:              cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usageErrorf("missing command")
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.flags.config, "config", "", "configuration file (default "+DefaultConfigFile+" when present)")
	pf.StringVar(&a.flags.dir, "dir", "", "script directory (default: config script_location, else "+DefaultDir+")")
	pf.StringVar(&a.flags.url, "url", "", "database URL (default: MIGRATE_URL, DATABASE_URL, config url, else "+DefaultURL+")")
	pf.StringVar(&a.flags.versionTable, "version-table", "", "version table name, schema.table allowed (default: config version_table, else migrate_version)")
	pf.StringVar(&a.flags.historyTable, "history-table", "", "history table name, schema.table allowed (default: config history_table, else the version table's own: its _version suffix replaced by _history, in its schema)")
	pf.StringVar(&a.flags.txMode, "tx-mode", "", "transaction mode: run (one for the whole run) or revision (one per revision) (default: config transaction_mode, else run)")
	pf.StringVar(&a.flags.logFormat, "log-format", "auto", "log format on stderr: auto (console on a terminal, else json), console or json")
	pf.StringVar(&a.flags.logLevel, "log-level", "warn", "log level: trace, debug, info, warn, error or disabled")
	pf.DurationVar(&a.flags.timeout, "timeout", 0, "bound the whole command by a deadline, e.g. 5m (default: none)")
	pf.BoolVar(&a.flags.noColor, "no-color", false, "never colour the output (colour is used only on a terminal, and never when NO_COLOR is set)")
	pf.StringVar(&a.flags.lock, "lock", "", "migration lock: advisory (the dialect's own) or lease (a lease table, for PgBouncer transaction pooling) (default: config lock, else advisory)")
	pf.DurationVar(&a.flags.lockLease, "lock-lease", 0, "with --lock lease: how long a lease lasts without a heartbeat; a stalled holder loses the lock after it (default: config lock_lease, else 30s)")

	root.AddCommand(
		a.initCmd(), a.revisionCmd(), a.mergeCmd(),
		a.headsCmd(), a.branchesCmd(), a.historyCmd(), a.showCmd(),
		a.currentCmd(), a.checkCmd(),
		a.upgradeCmd(), a.downgradeCmd(), a.stampCmd(),
		a.graphCmd(), a.completionCmd(), a.versionCmd(),
	)
	root.AddCommand(a.arrivalCmds()...)
	a.addCompletions(root)
	return root
}

// run wraps a command body: it resolves the settings and the logger first,
// and marks the body's errors as run errors (exit code 1) unless they are
// usage errors.
func (a *app) run(needSettings bool, body func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		log, err := newLogger(a.stderr, a.terminal(a.opts.Stderr), a.colour(a.opts.Stderr), a.flags.logFormat, a.flags.logLevel)
		if err != nil {
			return err
		}
		a.log = log
		if needSettings {
			if a.set, err = a.flags.resolve(a.opts.Getenv); err != nil {
				return mark(err)
			}
			a.logConfigNotes()
		}
		defer func() {
			for i := len(a.cleanup) - 1; i >= 0; i-- {
				a.cleanup[i]()
			}
			a.cleanup = nil
		}()
		ctx := cmd.Context()
		if a.flags.timeout < 0 {
			return usageErrorf("--timeout: negative duration %s", a.flags.timeout)
		}
		if a.flags.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeoutCause(ctx, a.flags.timeout, &timeoutError{a.flags.timeout})
			defer cancel()
		}
		err = body(ctx, cmd, args)
		if err != nil && a.flags.timeout > 0 && errors.Is(context.Cause(ctx), errTimeout) &&
			!errors.Is(err, errTimeout) {
			err = fmt.Errorf("timed out after %s (--timeout): %w", a.flags.timeout, err)
		}
		return mark(err)
	}
}

// errTimeout is matched by the cause of a context that --timeout ended.
var errTimeout = errors.New("--timeout expired")

// timeoutError is the cancel cause of the --timeout deadline.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("--timeout %s expired", e.d) }
func (e *timeoutError) Is(target error) bool {
	return target == errTimeout || target == context.DeadlineExceeded
}

func mark(err error) error {
	if err == nil {
		return nil
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	return &runError{err}
}

// scripts returns the script source as the engine wants it: the folder
// itself, so that every script's path is relative to it.
func (a *app) scripts() (fs.FS, error) {
	dir := a.set.Dir
	if a.opts.Scripts != nil {
		sub, err := fs.Sub(a.opts.Scripts, path.Clean(filepath.ToSlash(dir)))
		if err != nil {
			return nil, fmt.Errorf("script directory %s: %w", dir, err)
		}
		return sub, nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("script directory %s does not exist (run \"migrate init\" to create it, or pass --dir)", dir)
		}
		return nil, fmt.Errorf("script directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("script directory %s is not a directory", dir)
	}
	return os.DirFS(dir), nil
}

func (a *app) engineConfig() (engine.Config, error) {
	src, err := a.scripts()
	if err != nil {
		return engine.Config{}, err
	}
	return engine.Config{
		URL:          a.set.URL,
		Opener:       open.Opener{},
		Scripts:      src,
		ScriptDir:    ".",
		GoRevisions:  a.opts.GoRevisions,
		VersionTable: a.set.VersionTable,
		HistoryTable: a.set.HistoryTable,
		TxMode:       a.set.TxMode,
		Logger:       a.log,
	}, nil
}

// loadGraph builds the revision graph without touching any database.
func (a *app) loadGraph() (*revgraph.Graph, error) {
	cfg, err := a.engineConfig()
	if err != nil {
		return nil, err
	}
	a.log.Debug().Str("dir", a.set.Dir).Msg("loading revision graph")
	return engine.LoadGraph(cfg)
}

// openEngine validates the URL and opens the engine. The caller closes it.
func (a *app) openEngine(ctx context.Context) (*engine.Engine, error) {
	return a.openEngineWith(ctx, nil)
}

// openEngineWith is openEngine with edit applied to the engine's
// configuration first (run flags, offline mode). A lease locker, when
// configured, gets a pool of its own that the command's cleanup closes.
func (a *app) openEngineWith(ctx context.Context, edit func(*engine.Config)) (*engine.Engine, error) {
	cfg, err := a.engineConfig()
	if err != nil {
		return nil, err
	}
	if edit != nil {
		edit(&cfg)
	}
	if cfg.Offline != nil {
		if cfg.Dialect == "" {
			if _, err := dsn.Parse(a.set.URL); err != nil {
				return nil, fmt.Errorf("database URL from %s: %w (or pass --dialect postgres|sqlite)", a.set.URLSource, err)
			}
		}
		return engine.Open(ctx, cfg)
	}
	d, err := dsn.Parse(a.set.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL from %s: %w", a.set.URLSource, err)
	}
	if a.set.Lock == lockLease {
		if d.Kind != dsn.Postgres {
			return nil, usageErrorf("--lock lease needs a PostgreSQL URL, not %s", d.Redacted())
		}
		pool, err := postgres.Open(ctx, d.URL, postgres.ForTransactionPooling())
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", d.Redacted(), err)
		}
		a.cleanup = append(a.cleanup, func() { _ = pool.Close() })
		cfg.Pool = pool
		cfg.Locker = postgres.NewLeaseLocker(pool, postgres.LeaseOptions{Lease: a.set.LockLease})
	}
	a.logURL(d)
	// engine.Open names the (redacted) URL in connection errors itself;
	// script and graph errors are not about the URL.
	return engine.Open(ctx, cfg)
}

// displayPath is the path shown for a revision: the script file under the
// script directory, or the Go origin of a Go revision.
func (a *app) displayPath(r *revgraph.Revision) string {
	if r.Origin == "" || a.isGoRevision(r.ID) {
		return r.Origin
	}
	return filepath.Join(a.set.Dir, filepath.FromSlash(r.Origin))
}

func (a *app) isGoRevision(id string) bool {
	if a.goIDs == nil {
		a.goIDs = make(map[string]bool, len(a.opts.GoRevisions))
		for _, g := range a.opts.GoRevisions {
			a.goIDs[g.ID] = true
		}
	}
	return a.goIDs[id]
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
