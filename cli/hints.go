package cli

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"syscall"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/revgraph"
)

// withHint renders err with the next step the user can take, when the
// error has an obvious one that its message does not already give.
func (a *app) withHint(err error) string {
	msg := err.Error()
	var hint string
	var notFound *revgraph.NotFoundError
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
		hint = "with --sql give the start as a range from:to, or drop --sql to read the database"
	case errors.Is(err, syscall.ECONNREFUSED):
		hint = "is the database server running? the URL comes from " + firstNonEmpty(a.set.URLSource, "--url")
	case errors.Is(err, context.DeadlineExceeded) && strings.Contains(msg, "lock ") && strings.Contains(msg, "waited"):
		hint = "another migrate run holds the migration lock: let it finish, or allow a longer --timeout"
	case errors.Is(err, fs.ErrNotExist) && strings.Contains(msg, "sqlite"):
		hint = "the folder of a SQLite database file must exist; check the URL or create the folder"
	case errors.Is(err, revgraph.ErrMultipleHeads):
		if !strings.Contains(msg, "migrate merge") {
			hint = `or merge them first: migrate merge heads -m "merge heads"`
		}
	case errors.Is(err, engine.ErrInterrupted):
		if !strings.Contains(msg, "--resume") {
			hint = "rerun with --resume to continue the section, or fix the database by hand and run migrate stamp"
		}
	case errors.Is(err, engine.ErrDrift):
		if !strings.Contains(msg, "--allow-drift") {
			hint = "restore the applied scripts, or rerun upgrade with --allow-drift"
		}
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

// redactURL replaces the password of rawURL, wherever it appears in msg,
// with "xxxxx". Each fleet target has its own URL, and so its own secret.
func redactURL(msg, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return msg
	}
	var secrets []string
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
	}
	if pw := u.Query().Get("password"); pw != "" {
		secrets = append(secrets, pw)
	}
	for _, pw := range secrets {
		if len(pw) < 3 {
			continue
		}
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
