// Command multitenant upgrades a fleet of tenant databases in one call with
// engine.UpgradeAll: one SQLite file per tenant, and, when DATABASE_URL is
// set, one PostgreSQL schema per tenant in that database.
//
//	go run ./examples/multitenant -dir tenants -tenants 5
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/multitenant -dir tenants
//
// Every target runs in its own engine with its own lock (a lock file per
// SQLite database; an advisory lock per schema-qualified version table on
// PostgreSQL), at most -concurrency at a time. The program prints one line
// per target and exits 1 when any target failed.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/open"
)

//go:embed migrations/*.sql
var migrations embed.FS

type options struct {
	dir         string
	tenants     int
	concurrency int
	keepGoing   bool
	pgURL       string
}

func main() {
	var o options
	flag.StringVar(&o.dir, "dir", "tenants", "directory of the tenants' SQLite files")
	flag.IntVar(&o.tenants, "tenants", 3, "number of tenants")
	flag.IntVar(&o.concurrency, "concurrency", 4, "targets upgraded at once")
	flag.BoolVar(&o.keepGoing, "keep-going", false, "upgrade the other targets after one fails")
	flag.Parse()
	o.pgURL = os.Getenv("DATABASE_URL")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, o); err != nil {
		fmt.Fprintf(os.Stderr, "multitenant: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, o options) error {
	if o.tenants < 1 {
		return errors.New("-tenants must be at least 1")
	}
	scripts, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}

	var targets []engine.Target
	for i := 1; i <= o.tenants; i++ {
		path := filepath.Join(o.dir, fmt.Sprintf("tenant_%d.db", i))
		targets = append(targets, engine.Target{
			Name:   "sqlite:" + path,
			Config: engine.Config{URL: "sqlite:" + path, Opener: open.Opener{}, Scripts: scripts},
		})
	}
	if o.pgURL != "" {
		pg, err := schemaTargets(ctx, o.pgURL, o.tenants, scripts)
		if err != nil {
			return err
		}
		targets = append(targets, pg...)
	}

	results := engine.UpgradeAll(ctx, targets, "head", engine.FanOutOptions{
		Concurrency:     o.concurrency,
		ContinueOnError: o.keepGoing,
	})

	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(tw, "%s\tFAILED\t%v\n", r.Name, r.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\tok\t%s -> %s\t%d applied\n", r.Name, revs(r.Result.From), revs(r.Result.To), len(r.Result.Applied))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d targets, %d failed\n", len(results), failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d targets failed", failed, len(results))
	}
	return nil
}

// schemaTargets makes one target per tenant schema of the PostgreSQL
// database at rawURL. The scripts create unqualified tables, so each target
// connects with search_path set to its schema, and keeps its version table
// in that schema too: the advisory lock is per version table, so tenants do
// not wait for each other.
func schemaTargets(ctx context.Context, rawURL string, n int, scripts fs.FS) ([]engine.Target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("DATABASE_URL is not a valid URL")
	}
	// The schemas must exist before a connection with search_path set to
	// one of them creates a table.
	conn, err := pgx.Connect(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var targets []engine.Target
	for i := 1; i <= n; i++ {
		schema := fmt.Sprintf("tenant_%d", i)
		if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
			return nil, fmt.Errorf("create schema %s: %w", schema, err)
		}
		tu := *u
		q := tu.Query()
		q.Set("search_path", schema)
		tu.RawQuery = q.Encode()
		targets = append(targets, engine.Target{
			Name: "postgres schema " + schema,
			Config: engine.Config{
				URL:          tu.String(),
				Opener:       open.Opener{},
				Scripts:      scripts,
				VersionTable: schema + ".migrate_version",
			},
		})
	}
	return targets, nil
}

func revs(r []string) string {
	if len(r) == 0 {
		return "<base>"
	}
	return strings.Join(r, ",")
}
