package dsn_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/retort-sql/retort/internal/dsn"
)

var fuzzSeeds = []string{
	"",
	"postgres://app:Sup3rS3cretPw@db:5432/app?sslmode=disable",
	"postgresql://app:Sup3rS3cretPw@db/app",
	"postgres://:Sup3rS3cretPw@db/app",
	"postgres://app@db/app?password=Sup3rS3cretPw&sslmode=disable",
	"postgres://app@db/app?a=1;PASSWORD=Sup3rS3cretPw",
	"postgres://u:Sup3r/S3cretPw@db/app",
	"postgres://u:Sup3r%zzS3cretPw@db/app",
	"postgres://u:Sup3rS3cretPw@[::1/app",
	"postgres://u:Sup3rS3cretPw@h1:5432,h2:5433/app",
	"postgres:u:Sup3rS3cretPw@db/app",
	"host=db user=app password=Sup3rS3cretPw",
	"host = db password = 'Sup3r S3cretPw' sslpassword=Zq7sslKx9",
	"postgres://u:pw@host/db?sslpassword=Zq7sslKx9",
	"postgres://app:Hunter2@Vault:tail@host/db",
	"postgresql+asyncpg://app:Sup3rS3cretPw@db/app?prepared_statement_cache_size=0&ssl=require",
	"sqlite+aiosqlite:///rel.db",
	"sqlite:////abs.db",
	"mysql+aiomysql://root:Sup3rS3cretPw@db:3306/app?charset=utf8mb4",
	"mysql://root:Sup3rS3cretPw@db/app",
	"sqlite:app.db",
	"sqlite:///var/lib/app.db",
	"sqlite://rel/app.db?mode=ro",
	"sqlite://",
	"sqlite::memory:",
	"sqlite:",
	"app.db",
	"://u:Sup3rS3cretPw@db",
}

// fixedText is every constant text Parse and Redact write; a password
// that is part of it cannot be told apart from it.
const fixedText = "xxxxx <unparseable URL> ://<unparseable> :<redacted> unsupported database URL: empty URL " +
	"invalid database URL : malformed no file path (use sqlite:PATH or sqlite::memory:) " +
	"<unparseable key=value settings> <key=value settings> invalid key=value string unterminated quoted value of " +
	"more than one @ before the host (percent-encode @ in a user name or password as %40) " +
	"expected postgres://…, postgresql://…, sqlite:PATH or sqlite::memory: scheme (expected postgres, postgresql or sqlite) " +
	"not a URL bad host or port (percent-encode / # ? @ in a user name or password) bad %-escape " +
	"bad character in the user name or password (percent-encode it) bad character in the host name control character in the URL"

// passwords returns the passwords raw carries, in its userinfo or in a
// password query parameter, and raw with them cut out.
func passwords(raw string) ([]string, string) {
	var pws []string
	rest := raw
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			pws = append(pws, pw)
		}
	}
	if i := strings.Index(rest, "://"); i > 0 && isScheme(rest[:i]) {
		auth := rest[i+3:]
		if j := strings.IndexAny(auth, "/?#"); j >= 0 {
			auth = auth[:j]
		}
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			// Also the raw text: a URL that does not parse still holds it.
			user, pw, ok := strings.Cut(auth[:at], ":")
			if ok {
				pws = append(pws, pw)
				if d, err := url.PathUnescape(pw); err == nil {
					pws = append(pws, d)
				}
			}
			// The user name stays in rest: a password equal to it cannot be
			// told apart from it.
			sep := "@"
			if ok {
				sep = ":@"
			}
			rest = rest[:i+3] + user + sep + auth[at+1:] + rest[i+3+len(auth):] +
				" " + url.User(user).String() + ":" // the user name as the output escapes it
		}
	}
	if _, q, ok := strings.Cut(rest, "?"); ok {
		for _, part := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
			rawKey, v, _ := strings.Cut(part, "=")
			k := rawKey
			if dk, err := url.QueryUnescape(k); err == nil {
				k = dk
			}
			if k = strings.ToLower(strings.TrimSpace(k)); k == "password" || k == "sslpassword" {
				pws = append(pws, v)
				if d, err := url.QueryUnescape(v); err == nil {
					pws = append(pws, d)
				}
				// The key stays: a password inside "password" cannot be
				// told apart from it.
				rest = strings.Replace(rest, part, rawKey+"=", 1)
			}
		}
	}
	if !strings.Contains(raw, "://") {
		// A key=value string: the value after password= or sslpassword=.
		for _, f := range strings.Fields(raw) {
			k, v, ok := strings.Cut(f, "=")
			if k = strings.ToLower(k); ok && (k == "password" || k == "sslpassword") {
				v = strings.Trim(v, "'")
				pws = append(pws, v)
				rest = strings.Replace(rest, f, k+"=", 1)
			}
		}
	}
	return pws, rest
}

func isScheme(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// leaked returns a password of raw that out shows, or "". Passwords shorter
// than 4 bytes, or that also occur in raw outside the password or in the
// package's fixed texts, are not checked: they cannot be told apart.
func leaked(raw, out string) string {
	pws, rest := passwords(raw)
	restU, _ := url.PathUnescape(rest)
	restQ, _ := url.QueryUnescape(rest)
	// The output escapes what it keeps (a user name "@db" becomes "%40db"),
	// so the escaped forms of the rest count as the rest too.
	restE := url.PathEscape(rest) + " " + url.QueryEscape(rest) + " " + url.PathEscape(restU)
	for _, pw := range pws {
		if len(pw) < 4 || strings.Contains(rest, pw) || strings.Contains(restU, pw) ||
			strings.Contains(restQ, pw) || strings.Contains(restE, pw) || strings.Contains(fixedText, pw) {
			continue
		}
		if strings.Contains(out, pw) || strings.Contains(out, url.PathEscape(pw)) || strings.Contains(out, url.QueryEscape(pw)) {
			return pw
		}
	}
	return ""
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := dsn.Parse(raw)
		if err != nil {
			if pw := leaked(raw, err.Error()); pw != "" {
				t.Fatalf("Parse(%q) error %q shows password %q", raw, err, pw)
			}
			return
		}
		if d.Kind != dsn.Postgres && d.Kind != dsn.SQLite && d.Kind != dsn.MySQL {
			t.Fatalf("Parse(%q) kind %v", raw, d.Kind)
		}
		if d.Kind == dsn.SQLite && d.Path == "" {
			t.Fatalf("Parse(%q) gave an empty SQLite path", raw)
		}
		if pw := leaked(raw, d.Redacted()); pw != "" {
			t.Fatalf("Parse(%q).Redacted() = %q shows password %q", raw, d.Redacted(), pw)
		}
	})
}

func FuzzRedact(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		out := dsn.Redact(raw)
		if pw := leaked(raw, out); pw != "" {
			t.Fatalf("Redact(%q) = %q shows password %q", raw, out, pw)
		}
		if strings.Contains(out, "\n") && !strings.Contains(raw, "\n") {
			t.Fatalf("Redact(%q) = %q adds a line break", raw, out)
		}
	})
}
