package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
)

// fleetFlags are upgrade's flags for running on many targets.
type fleetFlags struct {
	targetsFile     string
	schemas         string
	schemasQuery    string
	concurrency     int
	continueOnError bool
	asJSON          bool
}

func (ff *fleetFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&ff.targetsFile, "targets", "", "upgrade every database URL listed in FILE (one per line, # comments)")
	f.StringVar(&ff.schemas, "schemas", "", "upgrade these schemas of the PostgreSQL database, each with its own version table (comma-separated)")
	f.StringVar(&ff.schemasQuery, "schemas-from-query", "", "upgrade the schemas named by the first column of this SQL query's rows")
	f.IntVar(&ff.concurrency, "concurrency", defaultConcurrency(), "targets upgraded at once (with --targets or --schemas)")
	f.BoolVar(&ff.continueOnError, "continue-on-error", false, "keep upgrading the other targets after one fails (default: stop at the first failure)")
	f.BoolVar(&ff.asJSON, "json", false, "print the per-target results as one JSON array (one row without --targets or --schemas), including the revisions committed before a failure")
}

func defaultConcurrency() int { return runtime.NumCPU() * 4 }

func (ff *fleetFlags) fleet() bool {
	return ff.targetsFile != "" || ff.schemas != "" || ff.schemasQuery != ""
}

func (ff *fleetFlags) check(cmd *cobra.Command, rf *runFlags) error {
	sources := 0
	for _, set := range []bool{ff.targetsFile != "", ff.schemas != "", ff.schemasQuery != ""} {
		if set {
			sources++
		}
	}
	if sources > 1 {
		return usageErrorf("--targets, --schemas and --schemas-from-query exclude each other")
	}
	if sources == 0 {
		// --json also serves a single database (upgrade prints one row).
		for _, name := range []string{"concurrency", "continue-on-error"} {
			if cmd.Flags().Changed(name) {
				return usageErrorf("--%s applies only with --targets, --schemas or --schemas-from-query", name)
			}
		}
		if ff.asJSON && rf.sql {
			return usageErrorf("--json reports a run; it does not apply with --sql, which prints the script")
		}
		return nil
	}
	if rf.sql {
		return usageErrorf("--sql prints one script; it does not apply to --targets or --schemas")
	}
	if ff.concurrency < 1 {
		return usageErrorf("--concurrency must be at least 1, got %d", ff.concurrency)
	}
	return nil
}

// fleetTarget is one target with the URL it opens, kept for redaction.
type fleetTarget struct {
	engine.Target
	url string
	// skip, when set, says why the target is not run (a system schema).
	skip string
}

// skipSystemSchema is the reason given for a system schema in a fleet.
const skipSystemSchema = "system schema: never migrated"

// fleetTargets builds the targets the fleet flags name.
func (a *app) fleetTargets(ctx context.Context, ff *fleetFlags, rf *runFlags) ([]fleetTarget, error) {
	if a.set.Lock == lockLease {
		return nil, usageErrorf("--lock lease is not supported with --targets or --schemas")
	}
	base, err := a.engineConfig()
	if err != nil {
		return nil, err
	}
	base.AllowDrift, base.Resume = rf.allowDrift, rf.resume
	var out []fleetTarget
	add := func(name, rawURL, versionTable, skip string) {
		cfg := base
		cfg.URL = rawURL
		cfg.VersionTable = versionTable
		cfg.Logger = a.log.With().Str("target", name).Logger()
		out = append(out, fleetTarget{Target: engine.Target{Name: name, Config: cfg}, url: rawURL, skip: skip})
	}
	if ff.targetsFile != "" {
		urls, err := readTargets(ff.targetsFile)
		if err != nil {
			return nil, err
		}
		for _, u := range urls {
			skip := ""
			if s := urlSearchPath(u); s != "" && postgres.IsSystemSchema(s) {
				skip = skipSystemSchema
			}
			add(dsn.Redact(u), u, a.set.VersionTable, skip)
		}
		return out, nil
	}
	d, err := dsn.Parse(a.set.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL from %s: %w", a.set.URLSource, err)
	}
	if d.Kind != dsn.Postgres {
		return nil, usageErrorf("--schemas needs a PostgreSQL URL, not %s", d.Redacted())
	}
	if strings.Contains(a.set.VersionTable, ".") {
		return nil, usageErrorf("--schemas puts the version table in each schema: give --version-table without a schema, not %q", a.set.VersionTable)
	}
	table := firstNonEmpty(a.set.VersionTable, engine.DefaultVersionTable)
	schemas := strings.Split(ff.schemas, ",")
	if ff.schemasQuery != "" {
		if schemas, err = querySchemas(ctx, d, ff.schemasQuery); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	for _, s := range schemas {
		s = strings.TrimSpace(s)
		if err := checkSchemaName(s); err != nil {
			return nil, usageErrorf("%v", err)
		}
		if seen[s] {
			return nil, usageErrorf("schema %q is listed twice", s)
		}
		seen[s] = true
		skip := ""
		if postgres.IsSystemSchema(s) {
			skip = skipSystemSchema
		}
		add(s, withSearchPath(d.URL, s), s+"."+table, skip)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no schemas to upgrade")
	}
	return out, nil
}

// readTargets reads a targets file: one URL per line, blank lines and
// lines starting with # ignored.
func readTargets(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("targets file: %w", err)
	}
	defer f.Close()
	var urls []string
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := dsn.Parse(line); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if prev, dup := seen[line]; dup {
			return nil, fmt.Errorf("%s:%d: %s is already listed on line %d", path, n, dsn.Redact(line), prev)
		}
		seen[line] = n
		urls = append(urls, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("targets file %s: %w", path, err)
	}
	if len(urls) == 0 {
		return nil, fmt.Errorf("targets file %s lists no database URL", path)
	}
	return urls, nil
}

// checkSchemaName applies the table-name rules of engine.ParseTableName to
// a schema name: a plain identifier, no dot.
func checkSchemaName(s string) error {
	id, err := engine.ParseTableName(s, "")
	if err != nil || id.Schema != "" || s == "" {
		return fmt.Errorf("invalid schema name %q: use letters, digits and _, not starting with a digit", s)
	}
	return nil
}

// withSearchPath adds search_path=<schema> to a PostgreSQL URL's query, so
// that the scripts' unqualified names land in that schema (pgx sends unknown
// URL parameters as run-time parameters). The schema is quoted so that its
// case is kept, as the version table's name is.
func withSearchPath(raw, schema string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw // dsn.Parse accepted it already
	}
	q := u.Query()
	q.Set("search_path", `"`+schema+`"`)
	u.RawQuery = q.Encode()
	return u.String()
}

// urlSearchPath returns the first schema of a PostgreSQL URL's
// search_path parameter, unquoted; empty when there is none.
func urlSearchPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return ""
	}
	first, _, _ := strings.Cut(u.Query().Get("search_path"), ",")
	first = strings.TrimSpace(first)
	if len(first) >= 2 && first[0] == '"' && first[len(first)-1] == '"' {
		return strings.ReplaceAll(first[1:len(first)-1], `""`, `"`)
	}
	return strings.ToLower(first)
}

// querySchemas runs query on the database and returns the first column of
// its rows.
func querySchemas(ctx context.Context, d dsn.DSN, query string) ([]string, error) {
	pool, err := postgres.Open(ctx, d.URL)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.Redacted(), err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", d.Redacted(), err)
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("--schemas-from-query: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("--schemas-from-query: the first column must be a schema name: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("--schemas-from-query: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("--schemas-from-query returned no rows: no schemas to upgrade")
	}
	return out, nil
}

// upgradeFleet upgrades every target of the fleet flags and prints the
// summary. It fails unless every target succeeded.
func (a *app) upgradeFleet(ctx context.Context, cmd *cobra.Command, target string, rf *runFlags, ff *fleetFlags) error {
	targets, err := a.fleetTargets(ctx, ff, rf)
	if err != nil {
		return err
	}
	a.log.Info().Int("targets", len(targets)).Int("concurrency", ff.concurrency).
		Bool("continue_on_error", ff.continueOnError).Str("target", target).Msg("upgrading fleet")
	var prog *progress
	if a.terminal(a.opts.Stderr) {
		prog = newProgress(a.stderr, len(targets))
		// Per-revision log lines would tear the progress line apart.
		for i := range targets {
			l := &targets[i].Config.Logger
			*l = l.Level(max(l.GetLevel(), zerolog.WarnLevel))
		}
	}
	var runnable []fleetTarget
	for _, t := range targets {
		if t.skip == "" {
			runnable = append(runnable, t)
		}
	}
	start := time.Now()
	results := upgradeAll(ctx, runnable, target, ff.concurrency, ff.continueOnError, prog)
	elapsed := time.Since(start)
	prog.stop()

	rows := make([]fleetRow, len(targets))
	for i, t := range targets {
		if t.skip != "" {
			rows[i] = fleetRow{Target: t.Name, Status: statusSkipped, From: []string{}, To: []string{},
				Revisions: []string{}, Error: t.skip}
			continue
		}
		rows[i] = a.fleetRow(t, results[0])
		results = results[1:]
	}
	out := cmd.OutOrStdout()
	if ff.asJSON {
		if err := writeJSON(out, rows); err != nil {
			return err
		}
	} else {
		writeFleetTable(out, rows, elapsed)
	}
	var failed, skipped int
	for _, r := range rows {
		switch r.Status {
		case statusFailed:
			failed++
		case statusNotStarted:
			skipped++
		}
	}
	if failed+skipped == 0 {
		return nil
	}
	if skipped > 0 {
		return fmt.Errorf("%d of %d targets failed, %d not started", failed, len(rows), skipped)
	}
	return fmt.Errorf("%d of %d targets failed", failed, len(rows))
}
