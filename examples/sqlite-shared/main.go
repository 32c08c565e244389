// Command sqlite-shared is the shared-transaction example on SQLite: the
// program opens its own SQLite connection, begins a transaction, lets the
// engine upgrade inside it through sqlite.FromConn, adds its own rows, and
// then commits or rolls back.
//
//	go run ./examples/sqlite-shared -db app.db -outcome commit
//	go run ./examples/sqlite-shared -db app.db -outcome rollback
//
// SQLite's DDL is transactional, so a rollback leaves no tables and no
// version table behind, exactly as on PostgreSQL.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	db := flag.String("db", "app.db", "SQLite database file")
	outcome := flag.String("outcome", "commit", "what to do with the transaction at the end: commit or rollback")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *db, *outcome); err != nil {
		fmt.Fprintf(os.Stderr, "sqlite-shared: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer, path, outcome string) error {
	if outcome != "commit" && outcome != "rollback" {
		return fmt.Errorf("-outcome must be commit or rollback, not %q", outcome)
	}
	conn, err := sqlite3.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer conn.Close()

	// BEGIN IMMEDIATE takes the write lock now, so that another writer
	// cannot slip in between the upgrade and the program's own work.
	if err := conn.Exec("BEGIN IMMEDIATE"); err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = conn.Exec("ROLLBACK")
		}
	}()

	// FromConn sees that the connection is inside a transaction
	// (autocommit is off): the engine then begins and commits nothing.
	eng, err := engine.Open(ctx, engine.Config{
		Conn:      sqlite.FromConn(conn),
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

	if err := conn.Exec("INSERT INTO account (id, email) VALUES (1, 'ada@example.com') ON CONFLICT DO NOTHING"); err != nil {
		return err
	}
	if err := conn.Exec("INSERT INTO note (id, account_id, body) VALUES (1, 1, 'first note') ON CONFLICT DO NOTHING"); err != nil {
		return err
	}

	if outcome == "rollback" {
		if err := conn.Exec("ROLLBACK"); err != nil {
			return err
		}
		done = true
		fmt.Fprintln(out, "rolled back: no tables, no version rows")
		return nil
	}
	if err := conn.Exec("COMMIT"); err != nil {
		return err
	}
	done = true
	fmt.Fprintf(out, "committed: schema at %s with the program's rows\n", revs(res.To))
	return nil
}

func revs(r []string) string {
	if len(r) == 0 {
		return "<base>"
	}
	return strings.Join(r, ",")
}
