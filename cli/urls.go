package cli

import (
	"github.com/retort-sql/retort/internal/dsn"
	"github.com/retort-sql/retort/open"
)

// displayURL is the database as the user is shown it: for PostgreSQL the
// server, database and role it resolves to (PG* variables applied), for
// SQLite the absolute path of the file; never a password.
func displayURL(raw string) string { return open.Describe(raw) }

// logURL writes the debug line that opens every database run: the
// database as displayURL shows it, where the URL came from, and the query
// parameters dropped because only a Python driver reads them.
func (a *app) logURL(d dsn.DSN) {
	ev := a.log.Debug().Str("url", d.Display()).Str("url_source", a.set.URLSource).Str("dir", a.set.Dir).
		Str("lock", firstNonEmpty(a.set.Lock, lockAdvisory))
	if d.Driver != "" {
		ev = ev.Str("sqlalchemy_driver", d.Driver)
	}
	ev.Msg("opening database")
	if len(d.Dropped) > 0 {
		a.log.Debug().Strs("parameters", d.Dropped).Str("url", d.Redacted()).
			Msg("ignoring URL query parameters the driver does not read (Python-driver or SQLite options)")
	}
}
