package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
)

func (a *app) currentCmd() *cobra.Command {
	var verbose, asJSON bool
	cmd := &cobra.Command{
		Use:   "current",
		Short: "Show the database's current revisions",
		Long: `current prints the revisions the database is at: the rows of the
version table plus every revision they imply through depends_on. It never
creates or changes anything, not even the version table. An empty database
prints nothing.`,
		Example: `  migrate current
  migrate --url postgres://app@localhost:5432/app current -v
  migrate current --json`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, _ []string) error {
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
				fmt.Fprintf(out, "Current revision(s) for %s:\n", dsn.Redact(a.set.URL))
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
	return cmd
}

func (a *app) checkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Fail unless the database is at the heads",
		Long: `check exits 0 when the database is at the heads of the revision graph,
and 1, saying what is pending, when upgrades remain. It changes nothing;
use it in deployment pipelines and readiness probes.`,
		Example: `  migrate check && echo "schema up to date"`,
		Args:    cobra.NoArgs,
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, _ []string) error {
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
}

func (a *app) upgradeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upgrade [TARGET]",
		Short: "Apply revisions up to a target (default head)",
		Long: `upgrade applies every revision between the database's current
revisions and TARGET, in order, and prints each one it applied. TARGET is
head (the default; an error when the graph has several heads), heads, an id
or unique prefix, a label, label@head, or a relative form (+2, rev+1,
label@+1). The whole run is one transaction unless --tx-mode revision; a
failure or an interrupt (SIGINT, SIGTERM) rolls back and says which revision
was running.`,
		Example: `  migrate upgrade
  migrate upgrade heads
  migrate upgrade +1
  migrate --dir examples/quickstart/migrations upgrade head`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			target := "head"
			if len(args) == 1 {
				target = args[0]
			}
			if err := noRange(target); err != nil {
				return err
			}
			e, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := e.Upgrade(ctx, target)
			if err != nil {
				return err
			}
			printResult(cmd.OutOrStdout(), "upgrade", res)
			return nil
		}),
	}
	return cmd
}

func (a *app) downgradeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "downgrade TARGET",
		Short: "Revert revisions down to a target",
		Long: `downgrade reverts revisions, newest first, until the database is at
TARGET, and prints each one it reverted. TARGET is required: base, an id or
unique prefix, a label, or a relative form (-1, rev-1, label@-1). A
revision without a downgrade section is irreversible: a downgrade through it
fails before anything runs.`,
		Example: `  migrate downgrade -1
  migrate downgrade ae1027a6acf0
  migrate downgrade base`,
		Args: exactArgs(1, "TARGET"),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := noRange(args[0]); err != nil {
				return err
			}
			e, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := e.Downgrade(ctx, args[0])
			if err != nil {
				return err
			}
			printResult(cmd.OutOrStdout(), "downgrade", res)
			return nil
		}),
	}
}

func (a *app) stampCmd() *cobra.Command {
	var purge bool
	cmd := &cobra.Command{
		Use:   "stamp TARGET",
		Short: "Set the version table to a target without running any revision",
		Long: `stamp rewrites the version table so that the database is recorded
at TARGET, running no revision. Stamping a revision that depends on another
branch replaces that branch's row too. With --purge every row is deleted
first, which also repairs a table naming revisions that no longer exist.`,
		Example: `  migrate stamp head
  migrate stamp --purge ae1027a6acf0
  migrate stamp base`,
		Args: exactArgs(1, "TARGET"),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := noRange(args[0]); err != nil {
				return err
			}
			e, err := a.openEngine(ctx)
			if err != nil {
				return err
			}
			defer e.Close()
			res, err := e.Stamp(ctx, args[0], purge)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "stamped %s -> %s\n", revList(res.From), revList(res.To))
			return nil
		}),
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "delete every version row before stamping")
	return cmd
}

func noRange(target string) error {
	if strings.Contains(target, ":") {
		return usageErrorf("range target %q is not allowed here (ranges are for history)", target)
	}
	return nil
}

// revList renders version rows: "<base>" when empty.
func revList(ids []string) string {
	if len(ids) == 0 {
		return "<base>"
	}
	return commaList(ids)
}

// printResult prints one line per revision applied, then a summary.
func printResult(w io.Writer, verb string, res *engine.Result) {
	if res == nil {
		return
	}
	for _, ap := range res.Applied {
		fmt.Fprintf(w, "%-9s %s, %s (%s)\n", ap.Direction, ap.Revision, ap.Message, roundDuration(ap.Duration))
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
