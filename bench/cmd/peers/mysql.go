package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"
	_ "github.com/golang-migrate/migrate/v4/database/mysql" // mysql:// for golang-migrate
)

const (
	dbMySQL         = "mysql"
	defaultMySQLURL = "mysql://root@127.0.0.1:3306/"
)

// myServer creates and drops scratch databases on one MySQL or MariaDB
// server, whose URL (mysql://user:pass@host:port/) names no database.
type myServer struct {
	admin string
}

// driverDSN turns a mysql:// URL into go-sql-driver/mysql's DSN.
func driverDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return "", fmt.Errorf("not a mysql:// URL")
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", u.Host, strings.TrimPrefix(u.Path, "/")
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	return cfg.FormatDSN(), nil
}

func openMySQL(raw string) (*sql.DB, error) {
	d, err := driverDSN(raw)
	if err != nil {
		return nil, err
	}
	return sql.Open("mysql", d)
}

func (m *myServer) exec(ctx context.Context, stmts ...string) error {
	db, err := openMySQL(m.admin)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

func (m *myServer) create(ctx context.Context) (string, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "retort_bench_" + hex.EncodeToString(b[:])
	if err := m.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create scratch database: %w", err)
	}
	u, err := url.Parse(m.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (m *myServer) drop(ctx context.Context, dbURL string) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	if err := m.exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return fmt.Errorf("drop scratch database %s: %w", name, err)
	}
	return nil
}

// settings returns the server's version and the settings that bear on
// commit cost.
func (m *myServer) settings(ctx context.Context) (string, error) {
	db, err := openMySQL(m.admin)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var version, flush, binlog string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@log_bin").Scan(&version, &flush, &binlog); err != nil {
		return "", err
	}
	return fmt.Sprintf("MySQL server: %s (innodb_flush_log_at_trx_commit=%s, log_bin=%s), go-sql-driver/mysql for every tool", version, flush, binlog), nil
}

// floorMySQL is the bare driver: go-sql-driver/mysql, one connection,
// every statement on its own (autocommit), or inside BEGIN … COMMIT,
// which MySQL commits at each DDL statement anyway.
func floorMySQL(ctx context.Context, raw string, stmts []string, oneTx bool) error {
	db, err := openMySQL(raw)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if oneTx {
		stmts = append(append([]string{"BEGIN"}, stmts...), "COMMIT")
	}
	for _, s := range stmts {
		if _, err := c.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	return db.Close()
}

// migrateMySQLURL is golang-migrate's mysql:// form: the go-sql-driver DSN
// behind its scheme.
func migrateMySQLURL(raw string) (string, error) {
	d, err := driverDSN(raw)
	if err != nil {
		return "", err
	}
	return "mysql://" + d, nil
}

// coldCurrentMySQL is W5 on MySQL: the CLI's `current` on an up-to-date
// database of n revisions.
func (b *bench) coldCurrentMySQL(ctx context.Context, n int) (*cell, error) {
	w := trivial(n)
	dir, err := b.scripts(w)
	if err != nil {
		return nil, err
	}
	t, err := b.fresh(ctx, dbMySQL)
	if err != nil {
		return nil, err
	}
	defer t.cleanup()
	if _, err := b.runTool(ctx, toolRetortRun, t, dir, w, opUp); err != nil {
		return nil, err
	}
	tools := []string{toolCLICurrent, toolNoop}
	c := newCell(fmt.Sprintf("mysql, %d", w.n), tools, []string{toolNoop})
	warm := max(b.opts.warmup, 2)
	b.progress("W5 mysql %d runs", b.opts.w5runs)
	for r := range warm + b.opts.w5runs {
		s, err := runProcess(ctx, b.tmp, b.cli, "--dir", filepath.Join(dir, "retort"), "--url", t.address,
			"--log-level", "disabled", "current")
		if err != nil {
			return nil, err
		}
		nop, err := runProcess(ctx, b.tmp, b.self, "-noop")
		if err != nil {
			return nil, err
		}
		if r >= warm {
			c.add(toolCLICurrent, s)
			c.add(toolNoop, nop)
		}
	}
	return c, nil
}

func mysqlAdminURL() string {
	if u := os.Getenv("MIGRATE_BENCH_MYSQL_URL"); u != "" {
		return u
	}
	return defaultMySQLURL
}
