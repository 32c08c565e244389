package dsn

import (
	"net/url"
	"strings"
)

// pythonOnlyPostgres lists the query parameters of a SQLAlchemy PostgreSQL
// URL that only a Python driver (asyncpg, psycopg, psycopg2, pg8000) or
// SQLAlchemy itself reads. pgx would send an unknown parameter to the
// server as a run-time setting, and the server would refuse it, so they are
// dropped. Every other parameter reaches pgx.
var pythonOnlyPostgres = map[string]bool{
	// SQLAlchemy's asyncpg dialect.
	"prepared_statement_cache_size": true,
	"prepared_statement_name_func":  true,
	"async_fallback":                true,
	// asyncpg.connect.
	"command_timeout":               true,
	"statement_cache_size":          true,
	"max_cached_statement_lifetime": true,
	"max_cacheable_statement_size":  true,
	"server_settings":               true,
	"direct_tls":                    true,
	"ssl":                           true, // translated to sslmode when possible
	"timeout":                       true,
	// psycopg2 and psycopg through SQLAlchemy.
	"executemany_mode":             true,
	"executemany_values_page_size": true,
	"executemany_batch_page_size":  true,
	"use_native_unicode":           true,
	"use_native_hstore":            true,
	"insertmanyvalues_page_size":   true,
	"isolation_level":              true,
	"stream_results":               true,
	// pg8000.
	"unix_sock":     true,
	"ssl_context":   true,
	"tcp_keepalive": true,
}

// sslModes are the libpq sslmode values; asyncpg's ssl= takes the same.
var sslModes = map[string]bool{
	"disable": true, "allow": true, "prefer": true, "require": true, "verify-ca": true, "verify-full": true,
}

func (d DSN) parsePostgres(rest string) (DSN, error) {
	d, err := d.parseNetURL(rest, func(k string) bool { return pythonOnlyPostgres[k] })
	if err != nil {
		return d, err
	}
	d.URL = translateSSL(d.URL, d.Given)
	return d, nil
}

// translateSSL carries asyncpg's ssl=MODE over as sslmode=MODE, when the
// URL names no sslmode of its own, so that dropping ssl never weakens the
// connection.
func translateSSL(clean, given string) string {
	_, q, ok := strings.Cut(given, "?")
	if !ok {
		return clean
	}
	if i := strings.IndexByte(q, '#'); i >= 0 {
		q = q[:i]
	}
	vals, _ := url.ParseQuery(q)
	mode := strings.ToLower(vals.Get("ssl"))
	switch mode {
	case "true", "1":
		mode = "require"
	case "false", "0":
		mode = "disable"
	}
	if !sslModes[mode] || vals.Has("sslmode") {
		return clean
	}
	frag := ""
	if i := strings.IndexByte(clean, '#'); i >= 0 {
		clean, frag = clean[:i], clean[i:]
	}
	sep := "?"
	if strings.Contains(clean, "?") {
		sep = "&"
	}
	return clean + sep + "sslmode=" + mode + frag
}

// filterQuery splits a raw query into the parameters to keep (in their
// order and spelling) and the names of those drop selects.
func filterQuery(raw string, drop func(key string) bool) (string, []string) {
	var kept []string
	var dropped []string
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' }) {
		key, _, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if drop(key) {
			dropped = append(dropped, key)
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&"), dropped
}
