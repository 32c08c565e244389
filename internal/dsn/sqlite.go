package dsn

import (
	"fmt"
	"strings"
)

// MemoryPath is the Path of an in-memory SQLite database.
const MemoryPath = ":memory:"

// sqliteForms is the hint of a SQLite URL error.
const sqliteForms = "use sqlite:PATH, sqlite::memory:, or SQLAlchemy's sqlite:///relative.db, sqlite:////absolute.db and sqlite://"

// parseSQLite reads the text after "sqlite:" (or "sqlite+driver:"). The
// plain form is sqlite:PATH; the "//" forms are SQLAlchemy's: an empty
// host, then the path, so that sqlite:///rel.db is relative and
// sqlite:////abs.db absolute. Query parameters are cut off and named in
// Dropped: the SQLite adapter takes none.
func (d DSN) parseSQLite(rest string) (DSN, error) {
	p := rest
	if i := strings.IndexByte(p, '?'); i >= 0 {
		kept, _ := filterQuery(p[i+1:], func(string) bool { return false })
		for _, part := range strings.Split(kept, "&") {
			if part != "" {
				k, _, _ := strings.Cut(part, "=")
				d.Dropped = append(d.Dropped, k)
			}
		}
		p = p[:i]
	}
	if after, ok := strings.CutPrefix(p, "//"); ok {
		host, path, hasSlash := strings.Cut(after, "/")
		switch {
		case host != "":
			return DSN{}, fmt.Errorf("invalid database URL %s: a SQLite URL names no host (%s)", Redact(d.Given), sqliteForms)
		case !hasSlash || path == "" || path == MemoryPath:
			p = MemoryPath
		default:
			p = path
		}
	} else if p == "" {
		return DSN{}, fmt.Errorf("invalid database URL %s: no file path (%s)", Redact(d.Given), sqliteForms)
	}
	d.Path = p
	d.URL = "sqlite:" + strings.TrimPrefix(d.Given, d.Scheme+"+"+d.Driver+":")
	if d.Driver == "" {
		d.URL = d.Given
	}
	return d, nil
}
