// Command pgonly is a PostgreSQL-only service that migrates its database
// with the engine and the PostgreSQL adapter. docs/benchmarks.md reports its
// binary size; the dependency test checks that it links nothing of SQLite.
package main

import (
	"context"
	"embed"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
)

//go:embed migrations
var migrations embed.FS

func main() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	eng, err := engine.Open(ctx, engine.Config{Pool: postgres.FromPool(pool), Scripts: migrations, ScriptDir: "migrations"})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Upgrade(ctx, "head"); err != nil {
		log.Fatal(err)
	}
}
