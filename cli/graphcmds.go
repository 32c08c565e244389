package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/revgraph"
)

func (a *app) headsCmd() *cobra.Command {
	var verbose, resolveDeps, asJSON bool
	cmd := &cobra.Command{
		Use:   "heads",
		Short: "Show the heads of the revision graph",
		Long: `heads lists every revision that no other revision names as its
down_revision. A head that other revisions only depend on is marked
"(effective head)". With --resolve-dependencies, depends_on edges count too,
which gives the heads that the "heads" target upgrades to. No database is used.`,
		Example: `  migrate heads
  migrate heads -v
  migrate heads --resolve-dependencies --json`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			g, err := a.loadGraph()
			if err != nil {
				return err
			}
			ids := g.Heads()
			if resolveDeps {
				ids = g.RealHeads()
			}
			vs := a.views(g, lookup(g, ids), nil, false)
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSONList(out, vs)
			}
			for _, v := range vs {
				if verbose {
					fmt.Fprintln(out, v.long())
					continue
				}
				fmt.Fprintln(out, v.short(shortOpts{branches: true}))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each head in full")
	cmd.Flags().BoolVar(&resolveDeps, "resolve-dependencies", false, "count depends_on edges when finding heads")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array")
	return cmd
}

func (a *app) branchesCmd() *cobra.Command {
	var verbose, asJSON bool
	cmd := &cobra.Command{
		Use:   "branches",
		Short: "Show the branch points of the revision graph",
		Long: `branches lists every revision that two or more revisions name as their
down_revision, each followed by the revisions that branch from it, newest
first. No database is used.`,
		Example: `  migrate branches
  migrate branches -v --json`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			g, err := a.loadGraph()
			if err != nil {
				return err
			}
			var points []*revgraph.Revision
			for _, r := range g.Revisions() {
				if len(g.Children(r.ID)) > 1 {
					points = append(points, r)
				}
			}
			vs := a.views(g, points, nil, false)
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSONList(out, vs)
			}
			for _, v := range vs {
				if verbose {
					fmt.Fprint(out, v.long())
				} else {
					fmt.Fprint(out, v.short(shortOpts{branches: true, tree: true}))
				}
				fmt.Fprintln(out)
				pad := strings.Repeat(" ", len(v.rev.ID))
				for _, c := range a.views(g, lookup(g, v.children), nil, false) {
					fmt.Fprintf(out, "%s -> %s\n", pad, c.short(shortOpts{branches: true, doc: verbose, tree: true}))
				}
				fmt.Fprintln(out)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each branch point in full")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array")
	return cmd
}

func (a *app) historyCmd() *cobra.Command {
	var rangeSpec string
	var verbose, indicate, asJSON, applied, graph bool
	var ff fleetFlags
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List revisions, newest first",
		Long: `history lists the revisions of the graph, newest first, as
"<down_revision> -> <revision> (labels) (head), message". -r limits the list
to a range: a:b, :b or a: (each end any target form, or "current"). A range
that names "current", and --indicate-current, read the database; otherwise no
database is used.

With --applied it prints the database's history table instead, oldest first:
every revision applied, reverted or stamped, when, how long it took, who ran
it, and the checksum of the SQL that ran.

With --graph it draws the revision graph the way git log --graph does, newest
first: "*" marks each revision, and "|", "/", "\" lanes lead to its parents,
showing branches and merges; depends_on edges are noted as "(depends on x)".
With -i the database's current revisions are marked "(current)".`,
		Example: `  migrate history
  migrate history --graph
  migrate history --graph -i
  migrate history -r base:ae1027a6acf0 -v
  migrate history -r current: --json
  migrate history -i
  migrate history --applied`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			if err := ff.check(cmd, false); err != nil {
				return err
			}
			if ff.fleet() && !applied {
				return usageErrorf("--targets and --schemas read each target's history table: add --applied")
			}
			if applied {
				if rangeSpec != "" || verbose || indicate || graph {
					return usageErrorf("--applied prints the history table; -r, -v, -i and --graph do not apply")
				}
				if ff.fleet() {
					return a.appliedFleet(ctx, cmd, &ff)
				}
				return a.appliedHistory(ctx, cmd.OutOrStdout(), asJSON)
			}
			if graph && (verbose || asJSON) {
				return usageErrorf("--graph draws one line per revision; -v and --json do not apply")
			}
			rng, err := revgraph.ParseTarget(rangeSpec)
			if err != nil || rangeSpec != "" && !rng.IsRange() {
				return usageErrorf("history range requires [start]:[end], [start]: or :[end], got %q", rangeSpec)
			}
			needDB := indicate || rng.NamesCurrent()
			var (
				g       *revgraph.Graph
				revs    []*revgraph.Revision
				current []string
			)
			if needDB {
				e, err := a.openEngine(ctx)
				if err != nil {
					return err
				}
				defer e.Close()
				g = e.Graph()
				if revs, err = e.History(ctx, rangeSpec); err != nil {
					return err
				}
				if indicate {
					// As Alembic: the version rows, not what they imply.
					if current, err = e.VersionRows(ctx); err != nil {
						return err
					}
				}
			} else {
				var err error
				if g, err = a.loadGraph(); err != nil {
					return err
				}
				if revs, err = g.History(rangeSpec, nil); err != nil {
					return err
				}
			}
			vs := a.views(g, revs, current, indicate)
			out := cmd.OutOrStdout()
			if graph {
				drawGraph(out, vs, a.painter(out))
				return nil
			}
			if asJSON {
				return writeJSONList(out, vs)
			}
			for _, v := range vs {
				if verbose {
					fmt.Fprintln(out, v.long())
					continue
				}
				fmt.Fprintln(out, v.short(shortOpts{branches: true, doc: true, parents: true, tree: true}))
			}
			return nil
		}),
	}
	cmd.Flags().StringVarP(&rangeSpec, "rev-range", "r", "", "range of revisions: a:b, :b or a:")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each revision in full")
	cmd.Flags().BoolVarP(&indicate, "indicate-current", "i", false, "mark the database's current revisions (reads the database)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array, newest first (with --applied, oldest first)")
	cmd.Flags().BoolVar(&graph, "graph", false, "draw the revision graph with lanes for branches and merges, like git log --graph")
	cmd.Flags().BoolVar(&applied, "applied", false, "print the database's history table: what ran, when, for how long and by whom")
	ff.add(cmd, "read the history table of", &asJSON)
	return cmd
}

func (a *app) showCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show REV",
		Short: "Show the revision(s) a target names",
		Long: `show prints the revision, or revisions, that REV names in full: id,
parents, dependencies, branches, labels, path and message. REV is any target
form (an id or unique prefix, head, heads, a label, label@head, ...);
"current" reads the database. With --json they are printed as one JSON
array, empty when REV names none (base, label@base).`,
		Example: `  migrate show ae1027a6acf0
  migrate show billing@head
  migrate show head --json`,
		Args: exactArgs(1, "REV"),
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var (
				g   *revgraph.Graph
				ids []string
				err error
			)
			if args[0] == "current" {
				e, err := a.openEngine(ctx)
				if err != nil {
					return err
				}
				defer e.Close()
				g = e.Graph()
				// As Alembic's `show current`: the version rows.
				if ids, err = e.VersionRows(ctx); err != nil {
					return err
				}
			} else {
				if g, err = a.loadGraph(); err != nil {
					return err
				}
				if ids, err = g.Resolve(args[0], nil); err != nil {
					return err
				}
			}
			vs := a.views(g, lookup(g, ids), nil, false)
			return writeShow(cmd.OutOrStdout(), vs, asJSON)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON array of the revisions")
	return cmd
}

func writeShow(out io.Writer, vs []view, asJSON bool) error {
	if asJSON {
		return writeJSONList(out, vs)
	}
	for _, v := range vs {
		fmt.Fprintln(out, v.long())
	}
	return nil
}

// lookup returns the revisions of ids, skipping any the graph lacks.
func lookup(g *revgraph.Graph, ids []string) []*revgraph.Revision {
	out := make([]*revgraph.Revision, 0, len(ids))
	for _, id := range ids {
		if r, ok := g.Get(id); ok {
			out = append(out, r)
		}
	}
	return out
}

// exactArgs is cobra.ExactArgs with a usage error that names the argument.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %s (got %d arguments)", cmd.Name(), names, len(args))
		}
		return nil
	}
}
