// Command migrate is Retort's command line; see docs/cli.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/retort-sql/retort/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // after the first signal, a second one kills the process
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Options{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}
