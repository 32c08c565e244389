// Package dsn parses the database URLs Retort accepts and renders them
// without their secrets.
//
// Accepted forms:
//
//   - postgres://… and postgresql://… (anything pgx accepts in URL form);
//   - libpq key=value strings (host=db user=app dbname=app sslmode=require);
//   - sqlite:PATH (relative or absolute) and sqlite::memory:;
//   - SQLAlchemy's forms as an Alembic user has them: a +driver part of the
//     scheme names a Python driver and is ignored (postgresql+asyncpg://,
//     sqlite+aiosqlite://, mysql+pymysql://), query parameters only a
//     Python driver reads are dropped (see [DSN.Dropped]), and the SQLite
//     "//" forms follow SQLAlchemy: sqlite:///rel.db is relative to the
//     working directory, sqlite:////abs/path.db absolute, sqlite:// in
//     memory;
//   - mysql://… and mariadb://…, recognised as [MySQL] for the MySQL adapter
//     (see [DSN.MySQLDriverDSN]).
//
// Nothing here reads the environment or touches a database.
package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Kind is the database family a URL names.
type Kind int8

const (
	// Postgres is a postgres:// or postgresql:// URL, or a libpq key=value
	// string.
	Postgres Kind = iota + 1
	// SQLite is a sqlite: URL.
	SQLite
	// MySQL is a mysql:// or mariadb:// URL (MySQL and MariaDB).
	MySQL
)

func (k Kind) String() string {
	switch k {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	case MySQL:
		return "mysql"
	}
	return "unknown"
}

// DSN is a parsed database URL. It holds the password: show it only
// through [DSN.Redacted] or [DSN.Display].
type DSN struct {
	Kind Kind
	// URL is the connection string the driver is given, password included;
	// never log it. It is the URL as given, except that a SQLAlchemy
	// +driver part is removed from the scheme and the query parameters
	// named in Dropped are cut out. For PostgreSQL it is a URL pgx accepts
	// or a libpq key=value string.
	URL string
	// Path is the SQLite file path as the driver opens it (relative paths
	// are relative to the working directory), or ":memory:".
	Path string
	// Given is the text Parse was given, trimmed of surrounding space.
	Given string
	// Scheme is the URL's scheme without its +driver part ("postgresql",
	// "sqlite", "mariadb", …); "" for a key=value string.
	Scheme string
	// Driver is the SQLAlchemy driver part of the scheme ("asyncpg" of
	// postgresql+asyncpg://), or "".
	Driver string
	// Dropped names the query parameters removed from URL because only a
	// Python driver reads them (PostgreSQL, MySQL) or the SQLite adapter
	// does not take any. The caller logs them at debug level.
	Dropped []string
	// KeyValue reports a libpq key=value string.
	KeyValue bool
}

// ErrUnsupported is wrapped by Parse for a URL whose scheme Retort does not
// know.
var ErrUnsupported = errors.New("unsupported database URL")

// Parse parses raw. Its errors never contain a password.
func Parse(raw string) (DSN, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return DSN{}, fmt.Errorf("%w: empty URL", ErrUnsupported)
	}
	if looksKeyValue(raw) {
		return parseKeyValueDSN(raw)
	}
	scheme, rest, ok := strings.Cut(raw, ":")
	if !ok || !validScheme(scheme) {
		return DSN{}, fmt.Errorf("%w %s (expected postgres://…, postgresql://…, host=… key=value settings, sqlite:PATH or sqlite::memory:)", ErrUnsupported, Redact(raw))
	}
	family, driver, _ := strings.Cut(scheme, "+")
	d := DSN{Given: raw, Scheme: family, Driver: driver}
	if strings.Contains(driver, "+") || (strings.Contains(scheme, "+") && !validScheme(driver)) {
		return DSN{}, fmt.Errorf("%w: scheme %q (a SQLAlchemy scheme is family+driver)", ErrUnsupported, scheme)
	}
	switch family {
	case "postgres", "postgresql":
		d.Kind = Postgres
		return d.parsePostgres(rest)
	case "sqlite":
		d.Kind = SQLite
		return d.parseSQLite(rest)
	case "mysql", "mariadb":
		d.Kind = MySQL
		return d.parseMySQL(rest)
	}
	return DSN{}, fmt.Errorf("%w: scheme %q (expected postgres, postgresql, sqlite, mysql or mariadb)", ErrUnsupported, scheme)
}

// parseNetURL checks the URL part of a postgres or mysql URL (rest is the
// text after "scheme:") and returns it with the +driver part removed and
// the parameters drop selects cut out.
func (d DSN) parseNetURL(rest string, drop func(key string) bool) (DSN, error) {
	if !strings.HasPrefix(rest, "//") {
		return DSN{}, fmt.Errorf("%w: scheme %q needs //host… after the colon", ErrUnsupported, d.Scheme)
	}
	clean := d.Scheme + ":" + rest
	if err := checkAuthority(clean); err != nil {
		return DSN{}, fmt.Errorf("invalid database URL %s: malformed: %s", d.Scheme+"://<unparseable>", err)
	}
	if _, err := url.Parse(clean); err != nil {
		return DSN{}, fmt.Errorf("invalid database URL %s: malformed: %s", Redact(clean), malformedReason(err))
	}
	if base, query, ok := strings.Cut(clean, "?"); ok {
		var frag string
		if i := strings.IndexByte(query, '#'); i >= 0 {
			query, frag = query[:i], query[i:]
		}
		kept, dropped := filterQuery(query, drop)
		d.Dropped = dropped
		clean = base
		if kept != "" {
			clean += "?" + kept
		}
		clean += frag
	}
	d.URL = clean
	return d, nil
}

// checkAuthority rejects a URL whose authority holds more than one '@': a
// raw '@' in a password, which drivers split in different places.
func checkAuthority(raw string) error {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if strings.Count(rest, "@") > 1 {
		return errors.New("more than one @ before the host (percent-encode @ in a user name or password as %40)")
	}
	return nil
}

// malformedReason says why url.Parse rejected a URL in words of its own:
// url.Parse's messages quote the offending text, which may be part of a
// password.
func malformedReason(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return "not a URL"
	}
	msg := ue.Err.Error()
	switch {
	case strings.HasPrefix(msg, "invalid port"), strings.HasPrefix(msg, "missing ']'"):
		return "bad host or port (percent-encode / # ? @ in a user name or password)"
	case strings.HasPrefix(msg, "invalid URL escape"):
		return "bad %-escape"
	case strings.Contains(msg, "invalid userinfo"):
		return "bad character in the user name or password (percent-encode it)"
	case strings.HasPrefix(msg, "invalid character"):
		return "bad character in the host name"
	case strings.Contains(msg, "control character"):
		return "control character in the URL"
	}
	return "not a URL"
}

// Redacted returns the URL with every secret replaced by "xxxxx".
func (d DSN) Redacted() string { return Redact(d.URL) }

// Display is what a user is shown for d: for SQLite the file's absolute
// path (sqlite:/abs/path.db, or sqlite::memory:), so that a relative path
// is never a surprise; otherwise [DSN.Redacted].
func (d DSN) Display() string {
	if d.Kind != SQLite {
		return d.Redacted()
	}
	if d.Path == MemoryPath {
		return "sqlite::memory:"
	}
	p := d.Path
	if !strings.HasPrefix(p, "file:") {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
	}
	return "sqlite:" + p
}

// validScheme reports whether s is a URL scheme as RFC 3986 spells one: a
// letter, then letters, digits, '+', '-' or '.'. Anything else is not shown,
// since it may be part of a password.
func validScheme(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}
