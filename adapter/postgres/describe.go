package postgres

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Describe returns the server, database and role that url reaches once
// pgx has applied libpq's environment variables (PGHOST, PGPORT,
// PGDATABASE, PGUSER, …) and its defaults, as
// postgres://user@host:port/database. The password is never part of it. A
// bare "postgres://" thus shows what it stands for.
func Describe(raw string) (string, error) {
	cfg, err := pgconn.ParseConfig(raw)
	if err != nil {
		return "", fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	u := url.URL{Scheme: "postgres", Path: "/" + cfg.Database}
	if cfg.User != "" {
		u.User = url.User(cfg.User)
	}
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		// A Unix socket folder: libpq's host= query form.
		u.RawQuery = "host=" + url.QueryEscape(host)
		host = ""
	}
	u.Host = host
	if cfg.Port != 0 && host != "" {
		u.Host = host + ":" + strconv.Itoa(int(cfg.Port))
	}
	if host == "" && cfg.Port != 0 {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += "port=" + strconv.Itoa(int(cfg.Port))
	}
	return u.String(), nil
}
