package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

func (a *app) initCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create migrate.toml and the script directory",
		Long: `init writes a commented migrate.toml (or the file named by --config)
and creates the script directory (--dir, default ` + DefaultDir + `). It refuses to
overwrite an existing config file or to use a script directory that is not
empty. --url, --version-table and --tx-mode, when given, are written into the
file.`,
		Example: `  migrate init
  migrate --dir db/migrations --url postgres://app@localhost:5432/app init`,
		Args: cobra.NoArgs,
		RunE: a.run(false, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			cfgPath := firstNonEmpty(a.flags.config, DefaultConfigFile)
			dir := firstNonEmpty(a.flags.dir, DefaultDir)
			if a.flags.txMode != "" {
				if _, err := parseTxMode(a.flags.txMode); err != nil {
					return usageErrorf("--tx-mode: %v", err)
				}
			}
			if err := checkLock(a.flags.lock); err != nil {
				return usageErrorf("--lock: %v", err)
			}
			if a.flags.url != "" {
				if _, err := dsn.Parse(a.flags.url); err != nil {
					return usageErrorf("--url: %v", err)
				}
			}
			if _, err := os.Stat(cfgPath); err == nil {
				return fmt.Errorf("%s already exists; not overwriting it", cfgPath)
			}
			if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
				return fmt.Errorf("script directory %s already exists and is not empty", dir)
			}
			out := cmd.OutOrStdout()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("create script directory: %w", err)
			}
			fmt.Fprintf(out, "Creating directory %s ... done\n", dir)
			if err := writeNew(cfgPath, []byte(a.configTemplate(dir))); err != nil {
				return err
			}
			fmt.Fprintf(out, "Generating %s ... done\n", cfgPath)
			if a.flags.url == "" {
				// The embedded default: a SQLite file and its lock file,
				// local state that has no place in version control.
				fmt.Fprintf(out, "The default database is the SQLite file migrate.db (with its lock file migrate.db-migrate.lock): add both to .gitignore\n")
			}
			fmt.Fprintf(out, "Next: migrate revision -m \"first revision\", then migrate upgrade head\n")
			return nil
		}),
	}
}

func (a *app) configTemplate(dir string) string {
	var b strings.Builder
	b.WriteString("# Retort configuration; see docs/config.md.\n\n")
	b.WriteString("# Folder holding the revision scripts (*.sql, nested folders allowed).\n")
	fmt.Fprintf(&b, "script_location = %s\n\n", strconv.Quote(filepath.ToSlash(dir)))
	b.WriteString("# Database URL: postgres://…, postgresql://…, host=… key=value settings, sqlite:PATH,\n")
	b.WriteString("# sqlite::memory:, or SQLAlchemy's forms (postgresql+asyncpg://…, sqlite:///rel.db).\n")
	b.WriteString("# --url, MIGRATE_URL and DATABASE_URL take precedence over this key.\n")
	if a.flags.url != "" {
		fmt.Fprintf(&b, "url = %s\n\n", strconv.Quote(a.flags.url))
	} else {
		fmt.Fprintf(&b, "# url = %s\n\n", strconv.Quote(DefaultURL))
	}
	b.WriteString("# Version table; \"schema.table\" is allowed.\n")
	if a.flags.versionTable != "" {
		fmt.Fprintf(&b, "version_table = %s\n\n", strconv.Quote(a.flags.versionTable))
	} else {
		b.WriteString("# version_table = \"migrate_version\"\n\n")
	}
	b.WriteString("# \"run\": one transaction for the whole run; \"revision\": one per revision.\n")
	if a.flags.txMode != "" {
		fmt.Fprintf(&b, "transaction_mode = %s\n", strconv.Quote(a.flags.txMode))
	} else {
		b.WriteString("# transaction_mode = \"run\"\n")
	}
	b.WriteString("\n# Migration lock: \"advisory\" (the database's own), or \"lease\" for PostgreSQL\n")
	b.WriteString("# behind PgBouncer in transaction pooling mode (see docs/concurrency.md).\n")
	if a.flags.lock != "" {
		fmt.Fprintf(&b, "lock = %s\n", strconv.Quote(a.flags.lock))
	} else {
		b.WriteString("# lock = \"advisory\"\n")
	}
	return b.String()
}

type revisionFlags struct {
	message      string
	head         string
	splice       bool
	branchLabels []string
	dependsOn    []string
	revID        string
}

func (a *app) revisionCmd() *cobra.Command {
	var f revisionFlags
	cmd := &cobra.Command{
		Use:   "revision",
		Short: "Create a new revision script",
		Long: `revision writes <dir>/<id>_<slug>.sql, a new script whose parent is the
current head, with empty upgrade and downgrade sections to fill in. The id is
12 random hex characters unless --rev-id is given.

As in Alembic, revision refuses to create a second head: when the graph has
several heads, --head names the parent (an id, a label, label@head); a parent
that is not a head needs --splice too. --head base starts a new, independent
base (usually with --branch-label).`,
		Example: `  migrate revision -m "create account table"
  migrate revision -m "add invoice" --head billing@head
  migrate revision -m "billing root" --head base --branch-label billing
  migrate revision -m "hotfix" --head ae1027a6acf0 --splice`,
		Args: cobra.NoArgs,
		RunE: a.run(true, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			g, err := a.loadGraph()
			if err != nil {
				return err
			}
			parents, err := revisionParents(g, f.head, f.splice)
			if err != nil {
				return err
			}
			return a.generate(cmd, g, parents, f)
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.message, "message", "m", "", "message of the new revision")
	fl.StringVar(&f.head, "head", "head", "parent of the new revision: a head, or any revision with --splice, or base")
	fl.BoolVar(&f.splice, "splice", false, "allow --head to name a revision that is not a head (creates a branch)")
	fl.StringSliceVar(&f.branchLabels, "branch-label", nil, "branch label of the new revision (repeatable, or comma-separated)")
	fl.StringSliceVar(&f.dependsOn, "depends-on", nil, "revisions or labels the new revision depends on (repeatable, or comma-separated)")
	fl.StringVar(&f.revID, "rev-id", "", "id of the new revision instead of a generated one")
	return cmd
}

func (a *app) mergeCmd() *cobra.Command {
	var f revisionFlags
	cmd := &cobra.Command{
		Use:   "merge REVISIONS...",
		Short: "Create a revision that merges several heads",
		Long: `merge writes a new script whose parents are the given revisions (each
a head; "heads" names them all), joining their branches into one. Its
upgrade and downgrade sections start empty.`,
		Example: `  migrate merge heads -m "merge billing and accounts"
  migrate merge ae1027a6acf0 27c6a30d7c24 --rev-id merge_0001`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("merge takes the revisions to merge (or \"heads\")")
			}
			return nil
		},
		RunE: a.run(true, func(_ context.Context, cmd *cobra.Command, args []string) error {
			g, err := a.loadGraph()
			if err != nil {
				return err
			}
			var parents []string
			for _, spec := range args {
				ids, err := g.Resolve(spec, nil)
				if err != nil {
					return err
				}
				parents = append(parents, ids...)
			}
			if err := checkParents(g, parents, false); err != nil {
				return err
			}
			return a.generate(cmd, g, parents, f)
		}),
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.message, "message", "m", "", "message of the new revision")
	fl.StringSliceVar(&f.branchLabels, "branch-label", nil, "branch label of the new revision")
	fl.StringVar(&f.revID, "rev-id", "", "id of the new revision instead of a generated one")
	return cmd
}

// ErrMultipleHeads is returned by revision when the graph has several heads
// and --head does not pick one.
var ErrMultipleHeads = errors.New("multiple heads are present")

// revisionParents resolves --head as Alembic's generate_revision does.
func revisionParents(g *revgraph.Graph, head string, splice bool) ([]string, error) {
	if g.Len() == 0 {
		if head != "head" && head != "base" && head != "heads" {
			return nil, fmt.Errorf("--head %s: the script directory holds no revision", head)
		}
		return nil, nil
	}
	if head == "head" {
		if hs := g.Heads(); len(hs) > 1 {
			return nil, fmt.Errorf("%w (%s); pass --head to name the parent of the new revision, or merge them first",
				ErrMultipleHeads, commaList(hs))
		}
	}
	ids, err := g.Resolve(head, nil)
	if err != nil {
		return nil, fmt.Errorf("--head %s: %w", head, err)
	}
	return ids, checkParents(g, ids, splice)
}

func checkParents(g *revgraph.Graph, ids []string, splice bool) error {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return fmt.Errorf("duplicate head revision %s", id)
		}
		seen[id] = true
		if !splice && len(g.Children(id)) > 0 {
			return fmt.Errorf("revision %s is not a head revision; pass --splice to create a new branch from it", id)
		}
	}
	return nil
}

var validID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_]+$`) })

// generate writes the new revision file.
func (a *app) generate(cmd *cobra.Command, g *revgraph.Graph, parents []string, f revisionFlags) error {
	id := f.revID
	if id == "" {
		var err error
		if id, err = script.NewID(); err != nil {
			return fmt.Errorf("new revision id: %w", err)
		}
	} else if !validID().MatchString(id) {
		return usageErrorf("--rev-id %q: a revision id holds only letters, digits and '_'", id)
	}
	if r, ok := g.Get(id); ok {
		return fmt.Errorf("revision %s already exists (%s)", id, a.displayPath(r))
	}
	deps, err := resolveDepends(g, f.dependsOn)
	if err != nil {
		return err
	}
	msg := f.message
	if msg == "" {
		msg = "empty message"
	}
	rev := revgraph.Revision{
		ID:           id,
		Down:         parents,
		BranchLabels: trimAll(f.branchLabels),
		DependsOn:    deps,
		Message:      msg,
	}
	// Validate the graph the new file would make, before writing it.
	all := make([]revgraph.Revision, 0, g.Len()+1)
	for _, r := range g.Revisions() {
		all = append(all, *r)
	}
	if _, err := revgraph.New(append(all, rev)); err != nil {
		return fmt.Errorf("revision %s would break the graph: %w", id, err)
	}
	name := id + ".sql"
	if slug := slugify(f.message); slug != "" {
		name = id + "_" + slug + ".sql"
	}
	path := filepath.Join(a.set.Dir, name)
	if err := os.MkdirAll(a.set.Dir, 0o755); err != nil {
		return fmt.Errorf("create script directory: %w", err)
	}
	created := a.opts.Now().UTC().Format(time.RFC3339)
	if err := writeNew(path, script.Render(rev, created, "", "")); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Generating %s ... done\n", path)
	return nil
}

// resolveDepends keeps a branch label as written and turns an id prefix
// into the full id, as Alembic does.
func resolveDepends(g *revgraph.Graph, deps []string) ([]string, error) {
	out := make([]string, 0, len(deps))
	for _, dep := range trimAll(deps) {
		ids, err := g.Resolve(dep, nil)
		if err != nil {
			return nil, fmt.Errorf("--depends-on %s: %w", dep, err)
		}
		if len(ids) != 1 {
			return nil, fmt.Errorf("--depends-on %s names %d revisions; name one", dep, len(ids))
		}
		if slices.Contains(g.Labels(ids[0]), dep) {
			out = append(out, dep)
		} else {
			out = append(out, ids[0])
		}
	}
	return out, nil
}

func trimAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

var slugWords = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[\p{L}\p{N}_]+`) })

// slugLen is the longest slug kept in a file name (Alembic's
// truncate_slug_length).
const slugLen = 40

// slugify turns a message into a file-name slug: its words joined with
// '_', lowercased, cut at a word boundary after slugLen bytes.
func slugify(msg string) string {
	slug := strings.ToLower(strings.Join(slugWords().FindAllString(msg, -1), "_"))
	if len(slug) > slugLen {
		cut := slug[:slugLen]
		if i := strings.LastIndexByte(cut, '_'); i > 0 {
			cut = cut[:i]
		}
		slug = cut + "_"
	}
	return slug
}

// writeNew creates path with data, failing if it exists.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists; not overwriting it", path)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
