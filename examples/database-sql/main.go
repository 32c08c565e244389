// Command database-sql is a service on database/sql that migrates its
// database inside a transaction it opened itself, writes rows of its own in
// the same transaction, and then commits or rolls back: the connection
// sharing recipe for database/sql, through adapter/sqldb.
//
//	DATABASE_URL=postgres://app@localhost:5432/app go run ./examples/database-sql -driver pgx -outcome commit
//	go run ./examples/database-sql -driver sqlite -db app.db -outcome rollback
//
// -driver pgx uses pgx's database/sql driver (github.com/jackc/pgx/v5/stdlib)
// and DATABASE_URL; -driver sqlite uses ncruces' driver
// (github.com/ncruces/go-sqlite3/driver) on the file -db. With -outcome
// rollback nothing is left behind: no tables, no version table, no version
// rows. With -outcome commit the schema, the version row and the program's
// own rows appear together.
package main

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	_ "github.com/jackc/pgx/v5/stdlib"       // registers "pgx"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"

	"github.com/retort-sql/retort/adapter/sqldb"
	"github.com/retort-sql/retort/engine"
)

//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	driver := flag.String("driver", "pgx", "database/sql driver: pgx (DATABASE_URL) or sqlite (-db)")
	dbPath := flag.String("db", "app.db", "SQLite database file, with -driver sqlite")
	outcome := flag.String("outcome", "commit", "what to do with the transaction at the end: commit or rollback")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *driver, os.Getenv("DATABASE_URL"), *dbPath, *outcome); err != nil {
		fmt.Fprintf(os.Stderr, "database-sql: %v\n", err)
		os.Exit(1)
	}
}

// open opens the service's *sql.DB and names its dialect.
func open(driver, url, path string) (*sql.DB, sqldb.Dialect, error) {
	switch driver {
	case "pgx":
		if url == "" {
			return nil, sqldb.Dialect{}, errors.New("DATABASE_URL is not set")
		}
		db, err := sql.Open("pgx", url)
		return db, sqldb.Postgres, err
	case "sqlite":
		db, err := sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(10000)")
		return db, sqldb.SQLite, err
	}
	return nil, sqldb.Dialect{}, fmt.Errorf("-driver must be pgx or sqlite, not %q", driver)
}

func run(ctx context.Context, out io.Writer, driver, url, path, outcome string) error {
	if outcome != "commit" && outcome != "rollback" {
		return fmt.Errorf("-outcome must be commit or rollback, not %q", outcome)
	}
	db, dialect, err := open(driver, url, path)
	if err != nil {
		return err
	}
	defer db.Close()

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// A no-op once Commit has succeeded; otherwise it undoes every
	// revision, every version row and the program's own work.
	defer tx.Rollback() //nolint:errcheck // the outcome is reported below

	// The engine runs on the caller's transaction: it issues no BEGIN,
	// COMMIT or ROLLBACK, and its lock ends with the transaction.
	eng, err := engine.Open(ctx, engine.Config{
		Conn:      sqldb.FromTx(tx, dialect),
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
	for _, stmt := range []string{
		"INSERT INTO account (id, email) VALUES (1, 'ada@example.com') ON CONFLICT DO NOTHING",
		"INSERT INTO note (id, account_id, body) VALUES (1, 1, 'first note') ON CONFLICT DO NOTHING",
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}

	if outcome == "rollback" {
		if err := tx.Rollback(); err != nil {
			return err
		}
		fmt.Fprintln(out, "rolled back: no tables, no version rows")
		return nil
	}
	if err := tx.Commit(); err != nil {
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
