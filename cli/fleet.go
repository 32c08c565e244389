package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
)

// fleetFlags are the flags that run a command on many targets: upgrade,
// current, check and history --applied.
type fleetFlags struct {
	targetsFile     string
	schemas         string
	schemasQuery    string
	shard           string
	concurrency     int
	continueOnError bool
	asJSON          *bool
	jsonLines       bool
	upgrade         bool
}

// add registers the fleet flags on cmd. asJSON is the command's own --json
// flag, or nil to register one that applies to fleets only.
func (ff *fleetFlags) add(cmd *cobra.Command, verb string, asJSON *bool) {
	f := cmd.Flags()
	ff.upgrade = verb == "upgrade"
	f.StringVar(&ff.targetsFile, "targets", "", verb+" every database URL listed in FILE (one per line, # comments)")
	f.StringVar(&ff.schemas, "schemas", "", verb+" these schemas of the PostgreSQL database, each with its own version table (comma-separated)")
	f.StringVar(&ff.schemasQuery, "schemas-from-query", "", verb+" the schemas named by the first column of this SQL query's rows")
	f.StringVar(&ff.shard, "shard", "", "take only shard I of N of the fleet (I/N, or auto/N for $JOB_COMPLETION_INDEX)")
	f.IntVar(&ff.concurrency, "concurrency", defaultConcurrency(), "targets run at once (with --targets or --schemas)")
	if ff.upgrade {
		f.BoolVar(&ff.continueOnError, "continue-on-error", false, "keep upgrading the other targets after one fails (default: stop at the first failure)")
	}
	if asJSON == nil {
		asJSON = new(bool)
		f.BoolVar(asJSON, "json", false, "print the per-target results as one JSON array (with --targets or --schemas; upgrade: one row for a single database, with what committed before a failure)")
	}
	ff.asJSON = asJSON
	f.BoolVar(&ff.jsonLines, "json-lines", false, "print one JSON object per target as it finishes, then a summary line (with --targets or --schemas)")
}

func defaultConcurrency() int { return runtime.NumCPU() * 4 }

func (ff *fleetFlags) fleet() bool {
	return ff.targetsFile != "" || ff.schemas != "" || ff.schemasQuery != ""
}

// check validates the flag combination; sql is upgrade's --sql. Without a
// fleet source the fleet-only flags are usage errors (--json too, except
// for current and history, where it also applies to one database).
func (ff *fleetFlags) check(cmd *cobra.Command, sql bool) error {
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
		only := []string{"concurrency", "continue-on-error", "json-lines", "shard"}
		// upgrade --json on one database prints one row, with the
		// revisions committed before a failure.
		if cmd.Name() == "check" {
			only = append(only, "json")
		}
		for _, name := range only {
			if cmd.Flags().Changed(name) {
				return usageErrorf("--%s applies only with --targets, --schemas or --schemas-from-query", name)
			}
		}
		if ff.upgrade && *ff.asJSON && sql {
			return usageErrorf("--json reports a run; it does not apply with --sql, which prints the script")
		}
		return nil
	}
	if sql {
		return usageErrorf("--sql prints one script; it does not apply to --targets or --schemas")
	}
	if ff.concurrency < 1 {
		return usageErrorf("--concurrency must be at least 1, got %d", ff.concurrency)
	}
	if *ff.asJSON && ff.jsonLines {
		return usageErrorf("--json and --json-lines exclude each other")
	}
	return nil
}

// parseShard reads --shard: I/N, or auto/N with I from
// $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completion index).
func (a *app) parseShard(s string) (engine.Shard, error) {
	if s == "" {
		return engine.Shard{}, nil
	}
	if n, ok := strings.CutPrefix(s, "auto/"); ok {
		idx := strings.TrimSpace(a.opts.Getenv("JOB_COMPLETION_INDEX"))
		if idx == "" {
			return engine.Shard{}, usageErrorf("--shard %s: $JOB_COMPLETION_INDEX is not set (it is set in the pods of a Kubernetes Indexed Job)", s)
		}
		if _, err := strconv.Atoi(idx); err != nil {
			return engine.Shard{}, usageErrorf("--shard %s: $JOB_COMPLETION_INDEX is %q, not a number", s, idx)
		}
		s = idx + "/" + n
	}
	sh, err := engine.ParseShard(s)
	if err != nil {
		return engine.Shard{}, usageErrorf("--shard: %v", err)
	}
	return sh, nil
}

// fleetSpec is one target as listed: what it is called, where it is, and
// why it is skipped, if it is. Specs are a few strings each; a target's
// engine and pool exist only while it runs.
type fleetSpec struct {
	name   string
	url    string // the URL it opens, kept for redaction
	origin string // where the URL was listed (targets file:line), for hints
	schema string // set for a schema of a shared pool
	skip   string
}

// skipSystemSchema is the reason given for a system schema in a fleet.
const skipSystemSchema = "system schema: never migrated"

// fleet is a fleet ready to run: the shared scripts, the targets of this
// shard, and how to open each.
type fleet struct {
	scripts *engine.Fleet
	specs   []fleetSpec
	base    engine.Config
	table   string
	pools   *poolSet
	shard   engine.Shard
}

// targets yields the engine targets of the fleet that are not skipped.
func (f *fleet) targets(a *app) iter.Seq[engine.Target] {
	return func(yield func(engine.Target) bool) {
		for _, s := range f.specs {
			if s.skip != "" {
				continue
			}
			cfg := f.base
			cfg.VersionTable = f.table
			cfg.Logger = a.log.With().Str("target", s.name).Logger()
			if s.schema != "" {
				cfg.Schema = s.schema
				cfg.Pool = f.pools.get(s.url)
				cfg.URL = ""
			} else {
				cfg.URL = s.url
			}
			if !yield(engine.Target{Name: s.name, Config: cfg}) {
				return
			}
		}
	}
}

// openFleet builds the fleet the flags name: it loads the scripts once,
// lists the targets (reading the whole list first, so that a bad line
// fails before anything runs) and keeps those of the shard.
func (a *app) openFleet(ctx context.Context, ff *fleetFlags) (*fleet, error) {
	if a.set.Lock == lockLease {
		return nil, usageErrorf("--lock lease is not supported with --targets or --schemas")
	}
	shard, err := a.parseShard(ff.shard)
	if err != nil {
		return nil, err
	}
	base, err := a.engineConfig()
	if err != nil {
		return nil, err
	}
	scripts, err := engine.NewFleet(base)
	if err != nil {
		return nil, err
	}
	f := &fleet{scripts: scripts, base: base, table: a.set.VersionTable, shard: shard,
		pools: &poolSet{ctx: ctx, size: ff.concurrency, pools: map[string]*sharedPool{}}}
	a.cleanup = append(a.cleanup, f.pools.close)
	var specs []fleetSpec
	if ff.targetsFile != "" {
		if specs, err = readTargets(ff.targetsFile); err != nil {
			return nil, err
		}
		shareSchemas(specs)
	} else {
		if specs, err = a.schemaSpecs(ctx, ff); err != nil {
			return nil, err
		}
		f.table = firstNonEmpty(a.set.VersionTable, engine.DefaultVersionTable)
	}
	for _, s := range specs {
		if shard.Owns(s.name) {
			f.specs = append(f.specs, s)
		}
	}
	return f, nil
}

// schemaSpecs lists the schemas of --schemas or --schemas-from-query, all
// on one pool of the database --url names.
func (a *app) schemaSpecs(ctx context.Context, ff *fleetFlags) ([]fleetSpec, error) {
	d, err := dsn.Parse(a.set.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL from %s: %w", a.set.URLSource, err)
	}
	if d.Kind != dsn.Postgres && d.Kind != dsn.MySQL {
		return nil, usageErrorf("--schemas needs a PostgreSQL URL (schemas of one database) or a MySQL URL (databases of one server), not %s", d.Redacted())
	}
	isSystem := postgres.IsSystemSchema
	if d.Kind == dsn.MySQL {
		isSystem = mysql.IsSystemSchema
	}
	if strings.Contains(a.set.VersionTable, ".") {
		return nil, usageErrorf("--schemas puts the version table in each schema: give --version-table without a schema, not %q", a.set.VersionTable)
	}
	schemas := strings.Split(ff.schemas, ",")
	if ff.schemasQuery != "" {
		if schemas, err = querySchemas(ctx, d, ff.schemasQuery); err != nil {
			return nil, err
		}
	}
	var out []fleetSpec
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
		spec := fleetSpec{name: s, url: d.URL, schema: s}
		if isSystem(s) {
			spec.skip = skipSystemSchema
		}
		out = append(out, spec)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no schemas to run on")
	}
	return out, nil
}

// readTargets reads a targets file: one URL per line, blank lines and
// lines starting with # ignored. A URL whose search_path names a system
// schema is kept, marked skipped.
func readTargets(path string) ([]fleetSpec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("targets file: %w", err)
	}
	defer f.Close()
	var out []fleetSpec
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
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
		spec := fleetSpec{name: dsn.Redact(line), url: line, origin: fmt.Sprintf("%s:%d", path, n)}
		if s := urlSearchPath(line); s != "" && postgres.IsSystemSchema(s) {
			spec.skip = skipSystemSchema
		}
		out = append(out, spec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", path, n+1, bufio.MaxScanTokenSize)
		}
		return nil, fmt.Errorf("targets file %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("targets file %s lists no database URL", path)
	}
	return out, nil
}

// shareSchemas turns PostgreSQL targets that differ only in a single-schema
// search_path into schema targets of one shared pool, so that the schemas
// of one database share connections as --schemas does.
func shareSchemas(specs []fleetSpec) {
	type group struct{ idx []int }
	groups := map[string]*group{}
	for i, s := range specs {
		if s.skip != "" {
			continue
		}
		base, schema, ok := splitSearchPath(s.url)
		if !ok {
			continue
		}
		g := groups[base]
		if g == nil {
			g = &group{}
			groups[base] = g
		}
		g.idx = append(g.idx, i)
		specs[i].schema = schema
	}
	for base, g := range groups {
		for _, i := range g.idx {
			if len(g.idx) < 2 {
				specs[i].schema = "" // alone: it keeps its own URL
				continue
			}
			specs[i].url = base
		}
	}
}

// splitSearchPath splits a PostgreSQL URL whose search_path is one schema
// into the URL without it and the schema.
func splitSearchPath(raw string) (base, schema string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", false
	}
	q := u.Query()
	if len(q["search_path"]) != 1 || strings.Contains(q.Get("search_path"), ",") {
		return "", "", false
	}
	schema = urlSearchPath(raw)
	if checkSchemaName(schema) != nil {
		return "", "", false
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, true
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

// urlSearchPath returns the first schema of a PostgreSQL URL's
// search_path parameter, unquoted (an unquoted name folded to lower case,
// as the server does); empty when there is none.
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
	pool, err := openShared(ctx, d.URL, 1)
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
		return nil, errors.New("--schemas-from-query returned no rows: no schemas to run on")
	}
	return out, nil
}
