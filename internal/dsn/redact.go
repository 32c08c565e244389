package dsn

import (
	"net/url"
	"slices"
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

// Secrets returns the secret values raw carries, as written and decoded:
// the password of the user information, the values of credential
// parameters ([Redact] replaces the same ones), and the secrets of a
// key=value string. A caller that prints text a driver wrote (an error
// message that may quote its input) replaces each of them. Values shorter
// than 3 bytes are left out: replacing them would garble the text.
func Secrets(raw string) []string {
	var out []string
	add := func(vals ...string) {
		for _, v := range vals {
			if len(v) >= 3 && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	raw = strings.TrimSpace(raw)
	if looksKeyValue(raw) {
		settings, err := parseKeyValue(raw)
		if err != nil {
			return nil
		}
		for _, s := range settings {
			if secretKey(s.key) {
				add(s.value)
			}
		}
		return out
	}
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		auth := rest
		if i := strings.IndexAny(auth, "/?#"); i >= 0 {
			auth = auth[:i]
		}
		if at := strings.LastIndexByte(auth, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(auth[:at], ":"); ok {
				add(pw)
				if d, err := url.PathUnescape(pw); err == nil {
					add(d)
				}
			}
		}
	}
	if _, q, ok := strings.Cut(raw, "?"); ok {
		for _, part := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' || r == '#' }) {
			k, v, _ := strings.Cut(part, "=")
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			if secretKey(k) {
				add(v)
				if d, err := url.QueryUnescape(v); err == nil {
					add(d)
				}
			}
		}
	}
	return out
}
