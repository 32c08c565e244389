package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
)

// Exit codes returned by [Main].
const (
	ExitOK      = 0 // the command succeeded
	ExitFailure = 1 // the command failed
	ExitUsage   = 2 // the command line was wrong
)

// Options carries everything [Main] takes from its process. The zero value
// is usable: output is discarded and the environment is empty.
type Options struct {
	// Stdout receives command output; Stderr receives logs and errors.
	Stdout, Stderr io.Writer
	// Getenv reads an environment variable (MIGRATE_URL, DATABASE_URL);
	// nil reads none. Pass os.Getenv in a real binary.
	Getenv func(string) string
	// GoRevisions are revisions written in Go, added to the scripts.
	GoRevisions []engine.GoRevision
	// Scripts is an optional script source (an embed.FS, say). When set,
	// --dir and script_location name a folder inside it; revision and merge
	// still write their new files to that folder on disk.
	Scripts fs.FS
	// Now returns the time written as a new revision's create_date; nil
	// means time.Now.
	Now func() time.Time
	// Terminal reports whether w (Stdout or Stderr) is a terminal, which
	// selects the console log format and the fleet progress line; nil
	// detects it for *os.File values and says false for anything else.
	Terminal func(w io.Writer) bool
}

// usageError marks a mistake on the command line (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// runError marks an error returned by a command's body, as opposed to one
// cobra raised while parsing the command line.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// Main runs the migrate command line with args (without the program name)
// and returns the process exit code: 0 on success, 1 on failure, 2 on a
// usage error, and 128+n when ctx was cancelled by signal n (130 for
// SIGINT, 143 for SIGTERM) as signal.NotifyContext reports through
// context.Cause.
func Main(ctx context.Context, args []string, opts Options) int {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &app{opts: opts, stderr: &lockedWriter{w: opts.Stderr}, args: args}
	root := a.newRoot()
	root.SetArgs(relativeTargetsLast(args))
	root.SetOut(opts.Stdout)
	root.SetErr(opts.Stderr)
	_, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	msg := oneLine(a.redact(a.withHint(err)))
	var ue *usageError
	var re *runError
	// A usage error is a cobra error (unknown command or flag, wrong
	// arguments) or one of ours; either way the error stays one line.
	if errors.As(err, &ue) || !errors.As(err, &re) {
		fmt.Fprintf(opts.Stderr, "migrate: %s (see 'migrate --help')\n", msg)
		return ExitUsage
	}
	code := ExitFailure
	if ctx.Err() != nil {
		if c := signalExitCode(context.Cause(ctx)); c != 0 {
			// Say which signal ended the run, not just "context canceled".
			code = c
			msg = "interrupted by " + signalName(c-128) + ": " +
				strings.TrimSuffix(strings.TrimSuffix(msg, ": "+context.Canceled.Error()), ": "+context.Canceled.Error())
		}
	}
	fmt.Fprintf(opts.Stderr, "migrate: %s\n", msg)
	return code
}

// oneLine joins the lines of a multi-line error (errors.Join, driver
// messages) with "; " so that a failure prints exactly one line.
func oneLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, strings.TrimSuffix(l, ":"))
		}
	}
	return strings.Join(out, "; ")
}

// valueFlags are the flags that take a value in the next argument.
var valueFlags = map[string]bool{
	"--config": true, "--dir": true, "--url": true, "--version-table": true, "--tx-mode": true,
	"--log-format": true, "--log-level": true, "-m": true, "--message": true, "--head": true,
	"--branch-label": true, "--depends-on": true, "--rev-id": true, "-r": true, "--rev-range": true,
	"--timeout": true, "--lock": true, "--dialect": true, "--targets": true, "--schemas": true,
	"--schemas-from-query": true, "--concurrency": true, "--format": true,
}

// relativeTargetsLast lets a relative target such as -1 be written as a
// plain argument (`migrate downgrade -1`), as Alembic allows: each one that
// is not a flag's value moves after a "--", where it cannot be taken for a
// flag.
func relativeTargetsLast(args []string) []string {
	var rest, targets []string
	for i, arg := range args {
		if arg == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if isRelative(arg) && (i == 0 || !valueFlags[args[i-1]]) {
			targets = append(targets, arg)
			continue
		}
		rest = append(rest, arg)
	}
	if len(targets) == 0 {
		return args
	}
	if !slices.Contains(rest, "--") {
		rest = append(rest, "--")
	}
	return append(rest, targets...)
}

// isRelative reports whether arg is "-N".
func isRelative(arg string) bool {
	if len(arg) < 2 || arg[0] != '-' {
		return false
	}
	for _, c := range arg[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// signalExitCode maps the cancel cause that signal.NotifyContext sets
// ("<signal> signal received") to the shell's 128+n convention; 0 when the
// cause names no known signal.
func signalExitCode(cause error) int {
	if cause == nil {
		return 0
	}
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		if cause.Error() == s.String()+" signal received" {
			return 128 + int(s)
		}
	}
	return 0
}

// signalName is the conventional name of the signals signalExitCode knows.
func signalName(n int) string {
	switch syscall.Signal(n) {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGQUIT:
		return "SIGQUIT"
	}
	return syscall.Signal(n).String()
}

// redact removes the password of the configured URL, and of any URL in
// msg, from msg. It is the last line of defence: errors are expected to
// carry dsn.Redact'ed URLs already.
func (a *app) redact(msg string) string {
	if a.set.URL == "" {
		return msg
	}
	if secrets := dsn.Secrets(a.set.URL); len(secrets) > 0 {
		msg = strings.ReplaceAll(msg, a.set.URL, dsn.Redact(a.set.URL))
		for _, pw := range secrets {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
			msg = strings.ReplaceAll(msg, url.QueryEscape(pw), "xxxxx")
		}
	}
	return msg
}

// terminal reports whether w is a terminal, as Options.Terminal says when
// set.
func (a *app) terminal(w io.Writer) bool {
	if a.opts.Terminal != nil {
		return a.opts.Terminal(w)
	}
	if f, ok := w.(*os.File); ok {
		return terminalFD(f.Fd())
	}
	return false
}
