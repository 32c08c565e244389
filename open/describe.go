package open

import (
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/internal/dsn"
)

// Describe returns what a user is shown for the database raw names: for
// PostgreSQL the server, database and role it resolves to (with PG*
// variables applied, see [postgres.Describe]); for SQLite the file's
// absolute path; never a password. A URL that does not parse is shown
// redacted.
func Describe(raw string) string {
	d, err := dsn.Parse(raw)
	if err != nil {
		return dsn.Redact(raw)
	}
	if d.Kind == dsn.Postgres {
		if s, err := postgres.Describe(d.URL); err == nil {
			return s
		}
	}
	return d.Display()
}
