package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/importer"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/open"
)

func (a *app) adoptCmd() *cobra.Command {
	var fromTable string
	var sqlOnly bool
	cmd := &cobra.Command{
		Use:   "adopt alembic|goose|golang-migrate",
		Short: "Record the state another tool's version table gives, running nothing",
		Long: `adopt reads the version table of the tool that managed the database so far
(alembic_version, goose_db_version or schema_migrations; --from-table names
another) and stamps the same revisions into Retort's version and history
tables, running no revision. Import the migrations first (migrate import), so
that the revision ids match. Then "migrate upgrade head" applies only what is
new.

goose: the latest applied version is stamped, after checking that the versions
applied are exactly the chain below it. golang-migrate: a dirty version is
refused, naming it. alembic: the rows are copied; when Retort's version table
is alembic_version itself (the default with alembic.ini as config) there is
nothing to record and the table is used as it is.

adopt is repeatable: when Retort's version table holds the state already it
changes nothing. --sql prints the statements it would run instead.`,
		Example: `  migrate import goose db/goose --out migrations && migrate adopt goose
  migrate adopt golang-migrate --sql
  migrate --version-table migrate_version adopt alembic`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{toolAlembic, toolGoose, toolGolangMigrate},
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			tool := importer.Tool(args[0])
			if tool.DefaultTable() == "" {
				return usageErrorf("adopt: unknown tool %q (want alembic, goose or golang-migrate)", args[0])
			}
			d, err := dsn.Parse(a.set.URL)
			if err != nil {
				return fmt.Errorf("database URL from %s: %w", a.set.URLSource, err)
			}
			pool, err := open.Pool(ctx, a.set.URL)
			if err != nil {
				return err
			}
			defer pool.Close()
			a.logURL(d)
			st, err := readState(ctx, pool, tool, fromTable)
			if err != nil {
				return err
			}
			e, err := a.openEngineWith(ctx, func(c *engine.Config) { c.Pool = pool })
			if err != nil {
				return err
			}
			defer e.Close()
			current, err := e.VersionRows(ctx)
			if err != nil {
				return err
			}
			target := e
			if sqlOnly {
				off, err := a.openEngineWith(ctx, func(c *engine.Config) {
					c.Offline, c.Dialect, c.Pool = cmd.OutOrStdout(), pool.Dialect().Name(), nil
				})
				if err != nil {
					return err
				}
				defer off.Close()
				target = off
			}
			res, err := importer.Adopt(ctx, target, st, current)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			at := strings.Join(st.Heads, ", ")
			if at == "" {
				at = "<base>"
			}
			switch {
			case res.Shared:
				fmt.Fprintf(w, "%s is Retort's version table already (at %s): nothing to record\n", e.VersionTable().Name, at)
			case !res.Changed:
				fmt.Fprintf(w, "already adopted: %s is at %s\n", e.VersionTable().Name, at)
			case sqlOnly:
			default:
				fmt.Fprintf(w, "adopted %s at %s: %s now holds %s; run migrate upgrade head for what is new\n", tool, at, e.VersionTable().Name, at)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&fromTable, "from-table", "", "the other tool's version table (default: alembic_version, goose_db_version or schema_migrations; schema.table allowed)")
	cmd.Flags().BoolVar(&sqlOnly, "sql", false, "print the statements adopt would run instead of running them")
	return cmd
}

// readState reads the other tool's version table on a connection of pool.
func readState(ctx context.Context, pool adapter.Pool, tool importer.Tool, table string) (*importer.State, error) {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquire connection: %w", err)
	}
	defer c.Release()
	return importer.ReadState(ctx, c, pool.Dialect(), tool, table)
}
