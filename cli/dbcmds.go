package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/revgraph"
)

func (a *app) currentCmd() *cobra.Command {
	var verbose, asJSON bool
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "current",
		Short: "Show the database's current revisions",
		Long: `current prints the revisions the database is at: the rows of the
version table plus every revision they imply through depends_on. It never
creates or changes anything, not even the version table. An empty database
prints nothing.

With --targets, --schemas or --schemas-from-query it reads every target of
the fleet (--shard: one share of it), --concurrency at a time, and prints one
line per target (or --json, --json-lines).`,
		Example: `  migrate current
  migrate --url postgres://app@localhost:5432/app current -v
  migrate current --json
  migrate current --schemas-from-query "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%'" --json-lines`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			if err := ff.check(cmd, false); err != nil {
				return err
			}
			if ff.fleet() {
				if verbose {
					return usageErrorf("-v shows one database; it does not apply to --targets or --schemas")
				}
				return a.currentFleet(ctx, cmd, &ff)
			}
			e, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			ids, err := e.Current(ctx)
			if err != nil {
				return err
			}
			g := e.Graph()
			vs := a.views(g, lookup(g, ids), ids, false)
			for i := range vs {
				vs[i].current = true
				vs[i].showCurrent = true
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSONList(out, vs)
			}
			if verbose {
				fmt.Fprintf(out, "Current revision(s) for %s:\n", displayURL(a.set.URL))
			}
			for _, v := range vs {
				v.current = false // Alembic's current does not mark "(current)"
				if verbose {
					fmt.Fprintln(out, v.long())
					continue
				}
				fmt.Fprintln(out, v.short(shortOpts{tree: true}))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the database URL and each revision in full")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array")
	ff.add(cmd, "read", &asJSON)
	return cmd
}

func (a *app) checkCmd() *cobra.Command {
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Fail unless the database is at the heads",
		Long: `check exits 0 when the database is at the heads of the revision graph,
and 1, saying what is pending, when upgrades remain. It changes nothing;
use it in deployment pipelines and readiness probes.

With --targets, --schemas or --schemas-from-query it checks every target of
the fleet (--shard: one share of it), --concurrency at a time, prints one
line per target (or --json, --json-lines) and exits 1 naming the targets
that are behind or failed.`,
		Example: `  migrate check && echo "schema up to date"
  migrate check --targets databases.txt --json`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			if err := ff.check(cmd, false); err != nil {
				return err
			}
			if ff.fleet() {
				return a.checkFleet(ctx, cmd, &ff)
			}
			e, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			if err := e.Check(ctx); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "database is at head: %s\n", revList(e.Heads()))
			return nil
		}),
	}
	ff.add(cmd, "check", nil)
	return cmd
}

// runFlags are the flags of upgrade, downgrade and stamp.
type runFlags struct {
	sql        bool
	dialect    string
	allowDrift bool
	resume     bool
}

func (rf *runFlags) addOffline(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&rf.sql, "sql", false, "print the SQL the run would execute instead of running it (no database connection; a range from:to sets the start)")
	cmd.Flags().StringVar(&rf.dialect, "dialect", "", "SQL dialect for --sql: postgres, sqlite or mysql (default: from the URL's scheme)")
}

func (rf *runFlags) addResume(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&rf.resume, "resume", false, "continue an interrupted section (transaction=false, or DDL on MySQL) from the statement after the last one that completed")
}

// check validates the flag combination and the target.
func (rf *runFlags) check(target string) error {
	switch rf.dialect {
	case "", "postgres", "postgresql", "sqlite", "mysql", "mariadb":
	default:
		return usageErrorf("--dialect: invalid dialect %q (want postgres, sqlite or mysql)", rf.dialect)
	}
	if rf.dialect != "" && !rf.sql {
		return usageErrorf("--dialect applies only with --sql")
	}
	if rf.sql && (rf.resume || rf.allowDrift) {
		return usageErrorf("--resume and --allow-drift read the database; they do not apply with --sql")
	}
	t, err := revgraph.ParseTarget(target)
	if err != nil {
		return usageErrorf("%v", err)
	}
	if !rf.sql && t.IsRange() {
		return usageErrorf("range target %q needs --sql (ranges are for offline SQL and history)", target)
	}
	return nil
}

// open opens the engine for one run: offline on out with --sql, else on
// the database with the drift and resume settings.
func (a *app) openRun(ctx context.Context, rf *runFlags, out io.Writer) (*engine.Engine, error) {
	return a.openEngineWith(ctx, func(c *engine.Config) {
		c.AllowDrift = rf.allowDrift
		c.Resume = rf.resume
		if rf.sql {
			c.Offline = out
			c.Dialect = rf.dialect
		}
	})
}

func (a *app) upgradeCmd() *cobra.Command {
	var rf runFlags
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "upgrade [TARGET]",
		Short: "Apply revisions up to a target (default head)",
		Long: `upgrade applies every revision between the database's current
revisions and TARGET, in order, and prints each one it applied. TARGET is
head (the default; an error when the graph has several heads), heads, an id
or unique prefix, a label, label@head, or a relative form (+2, rev+1,
label@+1). The whole run is one transaction unless --tx-mode revision; a
failure or an interrupt (SIGINT, SIGTERM) rolls back and says which revision
was running.

With --sql nothing runs: the SQL of the run is printed to stdout, from base
or from the start of a range (ae1027a6acf0:head), with no database
connection.

With --targets, --schemas or --schemas-from-query, upgrade runs on a fleet:
every database (or schema of one PostgreSQL database) concurrently, with a
progress line on a terminal and a summary table (or --json, or --json-lines
as each target finishes) at the end. System schemas are skipped. --shard I/N
takes one share of the fleet, so N processes split it between them.`,
		Example: `  migrate upgrade
  migrate upgrade heads
  migrate upgrade +1
  migrate upgrade --sql > upgrade.sql
  migrate upgrade --sql --dialect postgres 1a2b3c4d5e6f:head
  migrate upgrade head --targets databases.txt --concurrency 8
  migrate upgrade head --schemas tenant_a,tenant_b --continue-on-error --json
  migrate upgrade head --targets tenants.txt --shard auto/4 --json-lines`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			target := "head"
			if len(args) == 1 {
				target = args[0]
			}
			if err := rf.check(target); err != nil {
				return err
			}
			if err := ff.check(cmd, rf.sql); err != nil {
				return err
			}
			if ff.fleet() {
				return a.upgradeFleet(ctx, cmd, target, &rf, &ff)
			}
			start := time.Now()
			res, err := a.runOn(ctx, cmd, &rf, func(e *engine.Engine) (*engine.Result, error) { return e.Upgrade(ctx, target) })
			if *ff.asJSON {
				return a.writeRunJSON(cmd.OutOrStdout(), res, err, time.Since(start))
			}
			printResult(cmd.OutOrStdout(), "upgrade", res, err)
			return err
		}),
	}
	rf.addOffline(cmd)
	rf.addResume(cmd)
	cmd.Flags().BoolVar(&rf.allowDrift, "allow-drift", false, "run although applied revisions were edited or removed from the scripts")
	ff.add(cmd, "upgrade", nil)
	return cmd
}

func (a *app) downgradeCmd() *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "downgrade TARGET",
		Short: "Revert revisions down to a target",
		Long: `downgrade reverts revisions, newest first, until the database is at
TARGET, and prints each one it reverted. TARGET is required: base, an id or
unique prefix, a label, or a relative form (-1, rev-1, label@-1). A
revision without a downgrade section is irreversible: a downgrade through it
fails before anything runs.

With --sql nothing runs: the SQL of the run is printed to stdout. There is no
database to read the current revision from, so TARGET must be a range
from:to (head:base, 3c4d5e6f7a8b:1a2b3c4d5e6f).`,
		Example: `  migrate downgrade -1
  migrate downgrade ae1027a6acf0
  migrate downgrade base
  migrate downgrade --sql head:base`,
		Args: exactArgs(1, "TARGET"),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := rf.check(args[0]); err != nil {
				return err
			}
			res, err := a.runOn(ctx, cmd, &rf, func(e *engine.Engine) (*engine.Result, error) { return e.Downgrade(ctx, args[0]) })
			printResult(cmd.OutOrStdout(), "downgrade", res, err)
			return err
		}),
	}
	rf.addOffline(cmd)
	rf.addResume(cmd)
	return cmd
}

func (a *app) stampCmd() *cobra.Command {
	var purge bool
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "stamp TARGET...",
		Short: "Set the version table to a target without running any revision",
		Long: `stamp rewrites the version table so that the database is recorded
at TARGET, running no revision. Several targets (stamp a1 b2) stamp each
of them, as Alembic does: one row per branch. Stamping a revision that
depends on another branch replaces that branch's row too. With --purge every
row is deleted first, which also repairs a table naming revisions that no
longer exist. Stamping also marks an interrupted transaction=false section
as dealt with.

With --sql the version-table statements are printed to stdout instead, from
base or from the start of a range (ae1027a6acf0:head).`,
		Example: `  migrate stamp head
  migrate stamp --purge ae1027a6acf0
  migrate stamp 3c4d5e6f7a8b 6f1a2b3c4d5e
  migrate stamp base
  migrate stamp --sql --dialect postgres head`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("stamp takes TARGET... (got 0 arguments)")
			}
			return nil
		},
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			for _, t := range args {
				if err := rf.check(t); err != nil {
					return err
				}
			}
			res, err := a.runOn(ctx, cmd, &rf, func(e *engine.Engine) (*engine.Result, error) { return e.StampAll(ctx, args, purge) })
			if res != nil && err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "stamped %s -> %s\n", revList(res.From), revList(res.To))
			}
			return err
		}),
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "delete every version row before stamping")
	rf.addOffline(cmd)
	return cmd
}

// runOn opens the engine for one database and runs op on it. The result is
// returned, on failure too (what committed before it), except with --sql,
// where the engine has written the script to stdout.
func (a *app) runOn(ctx context.Context, cmd *cobra.Command, rf *runFlags, op func(*engine.Engine) (*engine.Result, error)) (*engine.Result, error) {
	e, err := a.openRun(ctx, rf, cmd.OutOrStdout())
	if err != nil {
		return nil, err
	}
	defer e.Close()
	res, err := op(e)
	if rf.sql {
		return nil, err
	}
	// A failed run still reports what it committed before the failure.
	return res, err
}

// revList renders version rows: "<base>" when empty.
func revList(ids []string) string {
	if len(ids) == 0 {
		return "<base>"
	}
	return commaList(ids)
}

// writeRunJSON prints upgrade --json for one database: a one-row array in
// the shape of a fleet's rows, with the revisions committed before a
// failure. It returns runErr, or the write's error.
func (a *app) writeRunJSON(w io.Writer, res *engine.Result, runErr error, d time.Duration) error {
	spec := fleetSpec{name: dsn.Redact(a.set.URL), url: a.set.URL}
	e := &upgradeEntry{entryBase: a.baseEntry(spec, engine.TargetResult{Name: spec.name, Result: res, Err: runErr, Started: true, Duration: d}),
		From: []string{}, To: []string{}, Revisions: []string{}}
	if res != nil {
		e.From, e.To = orEmpty(res.From), orEmpty(res.To)
		for _, ap := range res.Applied {
			e.Revisions = append(e.Revisions, ap.Revision)
		}
		e.Applied = len(res.Applied)
	}
	if err := writeJSON(w, []*upgradeEntry{e}); err != nil && runErr == nil {
		return err
	}
	return runErr
}

// printResult prints one line per revision applied, then a summary. After
// a failure (runErr) it prints only what was committed before it, if
// anything: the error itself goes to stderr.
func printResult(w io.Writer, verb string, res *engine.Result, runErr error) {
	if res == nil || (runErr != nil && len(res.Applied) == 0) {
		return
	}
	for _, ap := range res.Applied {
		rev := ap.Revision
		if ap.Message != "" {
			rev += ", " + ap.Message
		}
		fmt.Fprintf(w, "%-9s %s (%s)\n", ap.Direction, rev, roundDuration(ap.Duration))
	}
	if runErr != nil {
		noun := "revisions"
		if len(res.Applied) == 1 {
			noun = "revision"
		}
		fmt.Fprintf(w, "%s failed after %d %s committed: %s -> %s; the failing transaction was rolled back\n",
			verb, len(res.Applied), noun, revList(res.From), revList(res.To))
		return
	}
	if len(res.Applied) == 0 {
		fmt.Fprintf(w, "nothing to %s: database is at %s\n", verb, revList(res.To))
		return
	}
	noun := "revisions"
	if len(res.Applied) == 1 {
		noun = "revision"
	}
	fmt.Fprintf(w, "%sd %d %s in %s: %s -> %s\n", verb, len(res.Applied), noun,
		roundDuration(res.Duration), revList(res.From), revList(res.To))
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
