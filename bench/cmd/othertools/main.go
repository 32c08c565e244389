// Command othertools drives goose and golang-migrate through their own Go
// modules, so that Retort's tests can check import and adopt against files
// and version tables made by the real tools.
//
//	othertools goose-create DIR NAME        goose's sequential SQL template (NNNNN_name.sql)
//	othertools goose-create-go DIR NAME     goose's Go migration template
//	othertools goose-up DIR DIALECT DSN [V] apply to version V (default: all); DIALECT postgres|sqlite
//	othertools goose-down DIR DIALECT DSN   revert the latest version
//	othertools migrate-up DIR URL [N]       golang-migrate: apply N steps (default: all)
//	othertools migrate-force DIR URL V      golang-migrate: set version V, clean
//
// DSN is a pgx URL or a SQLite file path; URL is golang-migrate's (pgx5://…
// or sqlite://PATH).
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5://
	_ "github.com/golang-migrate/migrate/v4/database/sqlite" // sqlite:// (modernc.org/sqlite)
	_ "github.com/golang-migrate/migrate/v4/source/file"
	_ "github.com/jackc/pgx/v5/stdlib"       // database/sql driver "pgx"
	_ "github.com/ncruces/go-sqlite3/driver" // database/sql driver "sqlite3"
	"github.com/pressly/goose/v3"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "othertools:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) < 3 {
		return errors.New("usage: othertools COMMAND DIR ARGS…")
	}
	cmd, dir := args[0], args[1]
	switch cmd {
	case "goose-create", "goose-create-go":
		kind := "sql"
		if cmd == "goose-create-go" {
			kind = "go"
		}
		goose.SetSequential(true)
		return goose.Create(nil, dir, args[2], kind)
	case "goose-up", "goose-down":
		if len(args) < 4 {
			return errors.New("goose-up DIR DIALECT DSN [VERSION]")
		}
		p, db, err := gooseProvider(dir, args[2], args[3])
		if err != nil {
			return err
		}
		defer db.Close()
		if cmd == "goose-down" {
			_, err = p.Down(ctx)
			return err
		}
		if len(args) > 4 {
			v, err := strconv.ParseInt(args[4], 10, 64)
			if err != nil {
				return err
			}
			_, err = p.UpTo(ctx, v)
			return err
		}
		_, err = p.Up(ctx)
		return err
	case "migrate-up", "migrate-force":
		m, err := migrate.New("file://"+dir, args[2])
		if err != nil {
			return err
		}
		switch {
		case cmd == "migrate-force":
			v, perr := strconv.Atoi(args[3])
			if perr != nil {
				return perr
			}
			err = m.Force(v)
		case len(args) > 3:
			n, perr := strconv.Atoi(args[3])
			if perr != nil {
				return perr
			}
			err = m.Steps(n)
		default:
			err = m.Up()
		}
		serr, derr := m.Close()
		return errors.Join(err, serr, derr)
	}
	return fmt.Errorf("unknown command %q", cmd)
}

func gooseProvider(dir, dialect, dsn string) (*goose.Provider, *sql.DB, error) {
	driver, d := "pgx", goose.DialectPostgres
	if dialect == "sqlite" {
		driver, d = "sqlite3", goose.DialectSQLite3
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(d, db, os.DirFS(dir), goose.WithAllowOutofOrder(false))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return p, db, nil
}
