// Command shared-transaction migrates a PostgreSQL database inside a
// transaction that the program itself opened, does its own work in the same
// transaction, and then commits or rolls back: Alembic's
// config.attributes["connection"] recipe, in Go.
//
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/shared-transaction -outcome commit
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/shared-transaction -outcome rollback
//
// With -outcome rollback nothing is left behind: no tables, no version table,
// no version rows. With -outcome commit the schema, the version row and the
// program's own row all appear together.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	outcome := flag.String("outcome", "commit", "what to do with the transaction at the end: commit or rollback")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, os.Getenv("DATABASE_URL"), *outcome); err != nil {
		fmt.Fprintf(os.Stderr, "shared-transaction: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, url, outcome string) error {
	if outcome != "commit" && outcome != "rollback" {
		return fmt.Errorf("-outcome must be commit or rollback, not %q", outcome)
	}
	if url == "" {
		return errors.New("DATABASE_URL is not set")
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	// A no-op once Commit has succeeded; otherwise it undoes every
	// revision, every version row and the program's own work.
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // the outcome is reported below

	// The engine runs on the caller's transaction: it issues no BEGIN,
	// COMMIT or ROLLBACK, and its lock (pg_advisory_xact_lock) ends with
	// the transaction.
	eng, err := engine.Open(ctx, engine.Config{
		Conn:      postgres.FromTx(tx),
		Scripts:   migrations,
		ScriptDir: "migrations",
	})
	if err != nil {
		return err
	}
	defer eng.Close()

	res, err := eng.Upgrade(ctx, "head")
	if err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	fmt.Fprintf(out, "upgraded inside the transaction: %s -> %s (%d applied)\n",
		revs(res.From), revs(res.To), len(res.Applied))

	// The program's own work, in the same transaction, on tables the
	// upgrade has just created.
	if _, err := tx.Exec(ctx, "INSERT INTO account (id, email) VALUES (1, 'ada@example.com') ON CONFLICT DO NOTHING"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "INSERT INTO note (id, account_id, body) VALUES (1, 1, 'first note') ON CONFLICT DO NOTHING"); err != nil {
		return err
	}

	if outcome == "rollback" {
		if err := tx.Rollback(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "rolled back: no tables, no version rows")
		return nil
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "committed: schema at %s with the program's rows\n", revs(res.To))
	return nil
}

func revs(r []string) string {
	if len(r) == 0 {
		return "<base>"
	}
	return strings.Join(r, ",")
}
