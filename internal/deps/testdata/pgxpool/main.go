// Command pgxpool is a bare pgxpool program, the baseline beside pgonly in
// docs/benchmarks.md.
package main

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE IF NOT EXISTS t (id bigint PRIMARY KEY)"); err != nil {
		log.Fatal(err)
	}
}
