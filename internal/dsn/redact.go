package dsn

import (
	"net/url"
	"strings"
)

// secretKey reports whether a connection parameter carries a credential:
// password and sslpassword (libpq and pgx), and, to be safe, any
// parameter whose name speaks of a password, secret or token.
func secretKey(key string) bool {
	k := strings.ToLower(strings.TrimSpace(key))
	switch k {
	case "password", "sslpassword", "pass", "passwd", "pwd":
		return true
	}
	for _, w := range []string{"password", "passwd", "secret", "token"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Redact replaces every secret of a URL with "xxxxx": the password of the
// user information, and every credential-bearing parameter (password,
// sslpassword and the like). A libpq key=value string is shown with its
// secrets replaced. Text that does not parse as a URL is cut to its scheme;
// text without a scheme that may hold a credential (user@host) and an
// opaque URL with an @ (postgres:u:pw@host) are not shown at all.
func Redact(raw string) string {
	if looksKeyValue(strings.TrimSpace(raw)) {
		return redactKeyValue(raw)
	}
	u, err := url.Parse(raw)
	if err == nil && checkAuthority(raw) != nil {
		err = errKeyValue // any error: the text is not shown
	}
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

// redactQuery replaces the value of every secret parameter of a raw
// query, keeping the order and the spelling of the rest. It works on the
// raw text, so that a parameter url.Values would drop (a bad escape, a ';'
// separator) cannot carry a secret through.
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
		if hasValue && secretKey(key) {
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
