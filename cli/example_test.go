package cli_test

import (
	"context"
	"os"

	"github.com/retort-sql/retort/cli"
)

// Main runs one command in-process; here `heads` over the quick-start
// scripts, which needs no database.
func ExampleMain() {
	code := cli.Main(context.Background(),
		[]string{"--dir", "../examples/quickstart/migrations", "history"},
		cli.Options{Stdout: os.Stdout, Stderr: os.Stderr})
	if code != cli.ExitOK {
		os.Exit(code)
	}
	// Output:
	// 2b3c4d5e6f7a -> 3c4d5e6f7a8b (head), create invoice table
	// 1a2b3c4d5e6f -> 2b3c4d5e6f7a, add account name
	// <base> -> 1a2b3c4d5e6f, create account table
}
