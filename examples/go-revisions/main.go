// Command go-revisions is a migrate binary of its own: it embeds its SQL
// scripts, adds revisions written in Go (a data migration), and reuses every
// command of the migrate command line through cli.Main.
//
//	go build -o app-migrate ./examples/go-revisions
//	./app-migrate history
//	./app-migrate --url sqlite:app.db upgrade head
//	MIGRATE_URL=postgres://app@localhost:5432/app ./app-migrate upgrade head
//	./app-migrate --url sqlite:app.db downgrade -1
//
// The SQL scripts live in migrations/ (embedded); the Go revisions are in
// revisions.go. The binary needs no files beside it, which makes it a good
// image for a Kubernetes Job (see examples/k8s-job).
package main

import (
	"context"
	"embed"
	"os"
	"os/signal"
	"syscall"

	"github.com/retort-sql/retort/cli"
)

// migrations is the script source; --dir (default "migrations") names a
// folder inside it.
//
//go:embed migrations/*.sql
var migrations embed.FS

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal the run is cancelled and rolls back; a second
	// signal kills the process at once.
	context.AfterFunc(ctx, stop)
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Options{
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		Getenv:      os.Getenv,
		Scripts:     migrations,
		GoRevisions: goRevisions(),
	}))
}
