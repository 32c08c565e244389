package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/importer"
	"github.com/retort-sql/retort/internal/dsn"
)

// Tools import and adopt know.
const (
	toolAlembic       = "alembic"
	toolGoose         = "goose"
	toolGolangMigrate = "golang-migrate"
)

// arrivalCmds are the commands that bring a project over from another
// tool.
func (a *app) arrivalCmds() []*cobra.Command {
	return []*cobra.Command{a.importCmd(), a.adoptCmd()}
}

func (a *app) importCmd() *cobra.Command {
	var out, python, dialect string
	var force bool
	cmd := &cobra.Command{
		Use:   "import alembic|goose|golang-migrate [SRC]",
		Short: "Convert another tool's migrations into Retort scripts",
		Long: `import reads the migrations of Alembic, goose or golang-migrate and writes
one Retort SQL revision per migration into --out (default: the script
directory), with the same graph.

  alembic         SRC is the project's alembic.ini (default: the config file,
                  when it is one) or its versions folder. Ids, down_revisions,
                  branch labels, depends_on and messages are kept; the SQL is
                  what Alembic renders offline for --dialect, through --python.
                  A revision that cannot render offline is written with its
                  Python source as a comment and sections marked HAND-EDIT.
  goose           SRC is the folder of NNN_name.sql files: a linear chain whose
                  ids are the version numbers; NO TRANSACTION becomes
                  transaction=false; Go migrations become HAND-EDIT placeholders.
  golang-migrate  SRC is the folder of NNN_name.up.sql / .down.sql pairs; a
                  missing down file makes the revision irreversible.

Nothing is written when any source file cannot be parsed, and an output
folder that already holds an imported revision is refused unless --force.`,
		Example: `  migrate import alembic alembic.ini --out migrations --dialect postgres
  migrate --config alembic.ini import alembic
  migrate import goose db/migrations --out migrations
  migrate import golang-migrate migrations-old --out migrations`,
		Args: cobra.RangeArgs(1, 2),
		// The tool, then a file or folder.
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{toolAlembic, toolGoose, toolGolangMigrate}, cobra.ShellCompDirectiveNoFileComp
			}
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: a.run(true, func(ctx context.Context, cmd *cobra.Command, args []string) error {
			tool, src := args[0], ""
			if len(args) == 2 {
				src = args[1]
			}
			dest := firstNonEmpty(out, a.set.Dir)
			var r *importer.Result
			var err error
			switch tool {
			case toolAlembic:
				if src == "" {
					if a.set.ConfigKind != configAlembic {
						return usageErrorf("import alembic takes SRC: the project's alembic.ini or versions folder")
					}
					src = a.set.ConfigFile
				}
				d, derr := a.importDialect(dialect)
				if derr != nil {
					return derr
				}
				py, perr := findPython(ctx, python)
				if perr != nil {
					return perr
				}
				a.log.Debug().Str("python", py).Str("dialect", d).Str("src", src).Msg("rendering Alembic revisions offline")
				r, err = importer.Alembic(ctx, src, importer.AlembicOptions{Python: py, Dialect: d})
			case toolGoose, toolGolangMigrate:
				if src == "" {
					return usageErrorf("import %s takes SRC: the folder of its migrations", tool)
				}
				if same(src, dest) {
					return usageErrorf("--out %s is the source folder: write the Retort scripts elsewhere", dest)
				}
				if tool == toolGoose {
					r, err = importer.Goose(src)
				} else {
					r, err = importer.GolangMigrate(src)
				}
			default:
				return usageErrorf("import: unknown tool %q (want alembic, goose or golang-migrate)", tool)
			}
			if err != nil {
				return err
			}
			if err := importer.Write(dest, r, force); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, f := range r.Files {
				fmt.Fprintf(w, "  %s -> %s\n", f.Source, filepath.Join(dest, f.Name))
			}
			for _, n := range r.Notes {
				fmt.Fprintf(w, "note: %s\n", n)
			}
			for _, h := range r.HandEdit {
				fmt.Fprintf(w, "HAND-EDIT: %s\n", h)
				a.log.Warn().Str("revision", h).Msg("imported as a placeholder: edit it by hand")
			}
			fmt.Fprintf(w, "imported %d revisions from %s into %s", len(r.Files), src, dest)
			if n := len(r.HandEdit); n > 0 {
				fmt.Fprintf(w, "; %d need hand-editing (search for %q)", n, importer.HandEditMarker)
			}
			fmt.Fprintln(w)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "folder the Retort scripts are written to (default: the script directory)")
	_ = cmd.MarkFlagDirname("out")
	f.BoolVar(&force, "force", false, "overwrite the scripts of an earlier import")
	f.StringVar(&python, "python", "", "Python interpreter with Alembic installed (default: python3, else /usr/bin/python3, whichever imports alembic)")
	f.StringVar(&dialect, "dialect", "", "SQL dialect Alembic renders for: postgres, sqlite or mysql (default: the database URL's)")
	return cmd
}

// importDialect is the dialect Alembic renders for: the flag, else the
// configured URL's family.
func (a *app) importDialect(flag string) (string, error) {
	if flag != "" {
		switch flag {
		case "postgres", "postgresql", "sqlite", "mysql", "mariadb":
			return flag, nil
		}
		return "", usageErrorf("--dialect: unknown dialect %q (want postgres, sqlite or mysql)", flag)
	}
	d, err := dsn.Parse(a.set.URL)
	if err != nil {
		return "", fmt.Errorf("database URL from %s: %w (or pass --dialect postgres|sqlite|mysql)", a.set.URLSource, err)
	}
	return d.Kind.String(), nil
}

// findPython returns the interpreter to render Alembic revisions with: the
// flag, else the first of python3 and /usr/bin/python3 that imports
// alembic.
func findPython(ctx context.Context, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		// From a neutral folder: in a project's folder, its alembic/
		// script directory would import as a namespace package.
		probe := exec.CommandContext(ctx, py, "-c", "import alembic.config")
		probe.Dir = os.TempDir()
		if probe.Run() == nil {
			return py, nil
		}
	}
	return "", fmt.Errorf("%w: neither python3 nor /usr/bin/python3 imports alembic (pass --python)", importer.ErrNoAlembic)
}

// same reports whether two paths name the same folder.
func same(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
