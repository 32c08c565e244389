// Command migrate is Retort's command line; see docs/cli.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/retort-sql/retort/cli"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A short-lived process: collect garbage a quarter as often as
		// Go's default (loading 10,000 scripts spends a third of its time
		// in the collector otherwise). GOGC still overrides.
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // after the first signal, a second one kills the process
	os.Exit(cli.Main(ctx, os.Args[1:], cli.Options{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}
