package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"syscall"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/revgraph"
)

// withHint renders err with the next step the user can take, when the
// error has an obvious one that its message does not already give.
func (a *app) withHint(err error) string {
	return a.withHintFrom(err, a.set.URLSource)
}

// withHintFrom is withHint for an error about the URL that came from
// urlSource (a flag, a variable, or a targets file's file:line).
func (a *app) withHintFrom(err error, urlSource string) string {
	msg := err.Error()
	var hint string
	var notFound *revgraph.NotFoundError
	var lockWait *adapter.LockWaitError
	var interrupted *engine.InterruptedError
	switch {
	case errors.As(err, &notFound) && notFound.Branch == "":
		if a.named(notFound.Name) {
			hint = "migrate history lists the revisions, migrate heads the heads"
		} else {
			// Not typed by the user: a version-table row the scripts lack.
			hint = "the database names a revision the scripts lack: restore its script, or rewrite the version table with migrate stamp --purge <revision>"
		}
	case errors.Is(err, revgraph.ErrMissing):
		hint = "restore the missing revision's script, or correct the down_revision header"
	case errors.Is(err, engine.ErrOffline):
		hint = "--sql runs without a database: give the start as a range from:to, or drop --sql to read the database"
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "is the database server running? the URL comes from " + firstNonEmpty(urlSource, "--url")
	case errors.As(err, &lockWait) && errors.Is(err, context.DeadlineExceeded):
		hint = "another migrate run holds the migration lock: let it finish, or allow a longer --timeout"
	case errors.Is(err, fs.ErrNotExist) && strings.Contains(msg, "sqlite"):
		hint = "the folder of a SQLite database file must exist; check the URL or create the folder"
	case errors.Is(err, revgraph.ErrMultipleHeads):
		if !strings.Contains(msg, "migrate merge") {
			hint = `or merge them first: migrate merge heads -m "merge heads"`
		}
	case errors.As(err, &interrupted):
		hint = fmt.Sprintf("rerun with --resume to continue from statement %d, or fix the database by hand and mark it with `migrate stamp`",
			interrupted.Done+1)
	case errors.Is(err, engine.ErrDrift):
		hint = "restore the applied scripts, or rerun upgrade with --allow-drift"
	case sqlState(err) == "55P04":
		// unsafe use of new value … of enum type: ALTER TYPE … ADD VALUE
		// has not committed yet.
		hint = "an enum value added in this transaction cannot be used before it commits: put the ALTER TYPE … ADD VALUE in an earlier revision and run with --tx-mode revision, or mark its section transaction=false"
	case errors.Is(err, engine.ErrNoRevisions):
		hint = "the script directory is " + a.set.Dir + " (--dir, script_location): check the path, or add a revision with migrate revision -m"
	case errors.Is(err, engine.ErrNotAtHead):
		hint = "run migrate upgrade to apply them"
	case errors.Is(err, revgraph.ErrAmbiguous):
		hint = "give more characters of the revision id"
	case errors.Is(err, engine.ErrIrreversible):
		if !strings.Contains(msg, "stamp") {
			hint = "add a -- migrate:downgrade section, or move the version table with migrate stamp"
		}
	}
	if hint == "" {
		return msg
	}
	return msg + "; " + hint
}

// sqlState returns the SQLSTATE code a database error in err's chain
// carries (PostgreSQL's errors have one), or "".
func sqlState(err error) string {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState()
	}
	return ""
}

// redactURL replaces the password of rawURL, wherever it appears in msg,
// with "xxxxx". Each fleet target has its own URL, and so its own secret.
func redactURL(msg, rawURL string) string {
	for _, pw := range dsn.Secrets(rawURL) {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
		msg = strings.ReplaceAll(msg, url.QueryEscape(pw), "xxxxx")
		msg = strings.ReplaceAll(msg, url.PathEscape(pw), "xxxxx")
	}
	return msg
}

// named reports whether name was typed on the command line, alone or as
// part of an argument (a range a:b, label@head).
func (a *app) named(name string) bool {
	for _, arg := range a.args {
		if strings.Contains(arg, name) {
			return true
		}
	}
	return false
}
