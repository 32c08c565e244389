// Package cli is the `migrate` command line, importable so that a binary
// which registers Go revisions, or embeds its scripts, reuses every command:
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		context.AfterFunc(ctx, stop)
//		os.Exit(cli.Main(ctx, os.Args[1:], cli.Options{
//			Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
//			GoRevisions: revisions, Scripts: embeddedScripts,
//		}))
//	}
//
// [Main] builds a fresh command tree on every call and keeps no package
// state, so it may run several times in one process (tests do). It reads
// the environment only through [Options.Getenv] and never calls os.Exit.
package cli
