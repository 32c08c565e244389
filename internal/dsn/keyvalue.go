package dsn

import (
	"errors"
	"fmt"
	"strings"
)

// kv is one setting of a libpq key=value string.
type kv struct {
	key, value string
}

// looksKeyValue reports whether raw is meant as a libpq key=value string:
// it starts with a keyword and '=' and has no URL scheme.
func looksKeyValue(raw string) bool {
	i := 0
	for i < len(raw) && (raw[i] >= 'a' && raw[i] <= 'z' || raw[i] >= 'A' && raw[i] <= 'Z' || raw[i] == '_' || i > 0 && raw[i] >= '0' && raw[i] <= '9') {
		i++
	}
	if i == 0 {
		return false
	}
	rest := strings.TrimLeft(raw[i:], " \t\r\n\v\f")
	return strings.HasPrefix(rest, "=")
}

// errKeyValue is wrapped by the errors of parseKeyValue.
var errKeyValue = errors.New("invalid key=value string")

// parseKeyValue splits a libpq key=value string as libpq and pgx do:
// keywords and values separated by '=' with optional space around it,
// values bare (a backslash escapes the next byte) or single-quoted (\' and
// \\ inside). Its errors never quote the text.
func parseKeyValue(s string) ([]kv, error) {
	var out []kv
	for {
		s = strings.TrimLeft(s, " \t\r\n\v\f")
		if s == "" {
			return out, nil
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return nil, fmt.Errorf("%w: setting %d has no '='", errKeyValue, len(out)+1)
		}
		key := strings.TrimRight(s[:eq], " \t\r\n\v\f")
		if !keyword(key) {
			return nil, fmt.Errorf("%w: setting %d has no valid keyword", errKeyValue, len(out)+1)
		}
		s = strings.TrimLeft(s[eq+1:], " \t\r\n\v\f")
		var b strings.Builder
		if strings.HasPrefix(s, "'") {
			i := 1
			for ; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("%w: unterminated quoted value of %s", errKeyValue, key)
			}
			s = s[i+1:]
		} else {
			i := 0
			for ; i < len(s) && !strings.ContainsRune(" \t\r\n\v\f", rune(s[i])); i++ {
				if s[i] == '\\' {
					if i+1 == len(s) {
						return nil, fmt.Errorf("%w: backslash at the end of %s", errKeyValue, key)
					}
					i++
				}
				b.WriteByte(s[i])
			}
			s = s[i:]
		}
		out = append(out, kv{key: key, value: b.String()})
	}
}

func keyword(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// quoteValue renders v as a libpq value, quoted when it must be.
func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\r\n\v\f'\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// parseKeyValueDSN parses a libpq key=value string. URL keeps the text as
// given: pgx reads the same syntax.
func parseKeyValueDSN(raw string) (DSN, error) {
	if _, err := parseKeyValue(raw); err != nil {
		return DSN{}, fmt.Errorf("invalid database URL <key=value settings>: %w", err)
	}
	return DSN{Kind: Postgres, URL: raw, Given: raw, KeyValue: true}, nil
}

// redactKeyValue renders a key=value string with every secret replaced.
func redactKeyValue(raw string) string {
	settings, err := parseKeyValue(raw)
	if err != nil {
		return "<unparseable key=value settings>"
	}
	parts := make([]string, len(settings))
	for i, s := range settings {
		v := quoteValue(s.value)
		// A value holding '=' may be a setting the user meant to write
		// ("host= password=…" gives host that text): not shown either.
		if secretKey(s.key) || strings.Contains(s.value, "=") {
			v = "xxxxx"
		}
		parts[i] = s.key + "=" + v
	}
	return strings.Join(parts, " ")
}
