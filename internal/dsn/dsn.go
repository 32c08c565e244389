// Package dsn parses the database URLs Retort accepts and renders them
// without their passwords.
//
// Accepted forms: postgres://…, postgresql://… (anything pgx accepts in URL
// form), sqlite:PATH (relative or absolute; sqlite:///abs/path and
// sqlite://rel also work) and sqlite::memory:.
package dsn

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Kind is the database a URL names.
type Kind int8

const (
	// Postgres is a postgres:// or postgresql:// URL.
	Postgres Kind = iota + 1
	// SQLite is a sqlite: URL.
	SQLite
)

func (k Kind) String() string {
	switch k {
	case Postgres:
		return "postgres"
	case SQLite:
		return "sqlite"
	}
	return "unknown"
}

// DSN is a parsed database URL.
type DSN struct {
	Kind Kind
	// URL is the URL as given (password included); never log it.
	URL string
	// Path is the SQLite file path, or ":memory:".
	Path string
}

// ErrUnsupported is wrapped by Parse for a URL whose scheme Retort does not
// know.
var ErrUnsupported = errors.New("unsupported database URL")

// Parse parses raw. Its errors never contain a password.
func Parse(raw string) (DSN, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return DSN{}, fmt.Errorf("%w: empty URL", ErrUnsupported)
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return DSN{}, fmt.Errorf("invalid database URL %s: malformed: %s", Redact(raw), malformedReason(err))
		}
		return DSN{Kind: Postgres, URL: raw}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(raw, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" {
			return DSN{}, fmt.Errorf("invalid database URL %s: no file path (use sqlite:PATH or sqlite::memory:)", raw)
		}
		return DSN{Kind: SQLite, URL: raw, Path: p}, nil
	}
	scheme, _, ok := strings.Cut(raw, ":")
	if !ok || !validScheme(scheme) {
		return DSN{}, fmt.Errorf("%w %s (expected postgres://…, postgresql://…, sqlite:PATH or sqlite::memory:)", ErrUnsupported, Redact(raw))
	}
	return DSN{}, fmt.Errorf("%w: scheme %q (expected postgres, postgresql or sqlite)", ErrUnsupported, scheme)
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

// Redacted returns the URL with any password replaced by "xxxxx".
func (d DSN) Redacted() string { return Redact(d.URL) }

// Redact replaces the password of a URL, and any password=… parameter, with
// "xxxxx". Text that does not parse as a URL is cut to its scheme; text
// without a scheme that may hold a credential (key=value settings,
// user@host) and an opaque URL with an @ (postgres:u:pw@host) are not shown
// at all.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		scheme, _, _ := strings.Cut(raw, ":")
		if scheme == raw || !validScheme(scheme) {
			return "<unparseable URL>"
		}
		return scheme + "://<unparseable>"
	}
	switch {
	case u.Scheme == "" && strings.ContainsAny(raw, "=@ \t\r\n"):
		return "<unparseable URL>"
	case u.Opaque != "" && strings.Contains(u.Opaque, "@"):
		return u.Scheme + ":<redacted>"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	u.RawQuery = redactQuery(u.RawQuery)
	// A fragment means nothing to a database, but a driver that does not
	// split it off (libpq does not) reads it as part of the last value,
	// which may be a password.
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// redactQuery replaces the value of every password parameter of a raw
// query, keeping the order and the spelling of the rest. It works on the
// raw text, so that a parameter url.Values would drop (a bad escape, a ';'
// separator) cannot carry a password through.
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	var b strings.Builder
	start := 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '&' && raw[i] != ';' {
			continue
		}
		part := raw[start:i]
		key, _, hasValue := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if hasValue && strings.EqualFold(strings.TrimSpace(key), "password") {
			part = part[:strings.IndexByte(part, '=')] + "=xxxxx"
		}
		b.WriteString(part)
		if i < len(raw) {
			b.WriteByte(raw[i])
		}
		start = i + 1
	}
	return b.String()
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
