package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // pgx5:// for golang-migrate
	_ "github.com/golang-migrate/migrate/v4/database/sqlite" // sqlite:// (modernc.org/sqlite, no cgo)
	_ "github.com/golang-migrate/migrate/v4/source/file"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for goose
	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // database/sql driver "sqlite3" for goose
	"github.com/pressly/goose/v3"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/open"
)

// Tool names, as they appear in the report.
const (
	toolFloorTx     = "floor-one-tx"
	toolFloorAuto   = "floor-autocommit"
	toolRetortRun   = "retort-per-run"
	toolRetortRev   = "retort-per-revision"
	toolRetortCLI   = "retort-cli-per-run"
	toolGoose       = "goose"
	toolGooseLoop   = "goose-sequential"
	toolMigrate     = "golang-migrate"
	dbPostgres      = "postgres"
	dbSQLite        = "sqlite"
	opUp, opDown    = "up", "down"
	childFlag       = "-child"
	childResultFlag = "elapsed_ns"
	childHWMFlag    = "hwm_kb"
)

// job is what a child process runs: one tool, one direction, on one or
// more targets (several only in the fan-out workload).
type job struct {
	Tool     string   `json:"tool"`
	DB       string   `json:"db"`
	Targets  []string `json:"targets"` // PostgreSQL URLs or SQLite file paths
	Dir      string   `json:"dir"`     // holds retort/, goose/, migrate/
	Op       string   `json:"op"`
	Workload string   `json:"workload"`
	N        int      `json:"n"`
	Rows     int      `json:"rows"`
}

func (j *job) workload() *workload {
	if j.Workload == "trivial" {
		return trivial(j.N)
	}
	return dataRows(j.N, j.Rows)
}

// childMain runs the job given as JSON and prints the time the work took,
// from opening the database to closing it.
func childMain(spec string) error {
	if path, ok := strings.CutPrefix(spec, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("child: %w", err)
		}
		spec = string(b)
	}
	var j job
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	var stmts []string
	if j.Tool == toolFloorTx || j.Tool == toolFloorAuto {
		w := j.workload()
		stmts = w.upStatements()
		if j.Op == opDown {
			stmts = w.downStatements()
		}
	}
	ctx := context.Background()
	start := time.Now()
	var err error
	for _, t := range j.Targets {
		if err = runOne(ctx, &j, t, stmts); err != nil {
			break
		}
	}
	elapsed := time.Since(start)
	if err != nil {
		return fmt.Errorf("%s %s %s: %w", j.Tool, j.DB, j.Op, err)
	}
	fmt.Printf("%s=%d %s=%d\n", childResultFlag, elapsed.Nanoseconds(), childHWMFlag, peakKB())
	return nil
}

// peakKB returns the process's peak resident set (VmHWM) in kilobytes, or
// 0 when it cannot be read. Unlike the maxrss that wait4 reports, it does
// not count the parent's memory shared before exec.
func peakKB() int64 {
	v := procField("/proc/self/status", "VmHWM")
	var kb int64
	if _, err := fmt.Sscanf(v, "%d kB", &kb); err != nil {
		return 0
	}
	return kb
}

func runOne(ctx context.Context, j *job, target string, stmts []string) error {
	switch j.Tool {
	case toolFloorTx, toolFloorAuto:
		if j.DB == dbSQLite {
			return floorSQLite(target, stmts, j.Tool == toolFloorTx)
		}
		if j.DB == dbMySQL {
			return floorMySQL(ctx, target, stmts, j.Tool == toolFloorTx)
		}
		return floorPostgres(ctx, target, stmts, j.Tool == toolFloorTx)
	case toolRetortRun, toolRetortRev:
		mode := engine.TxPerRun
		if j.Tool == toolRetortRev {
			mode = engine.TxPerRevision
		}
		return retort(ctx, j, retortURL(j.DB, target), mode)
	case toolGoose, toolGooseLoop:
		return gooseRun(ctx, j, target)
	case toolMigrate:
		return migrateRun(j, target)
	case toolGooseStatus:
		return gooseStatus(ctx, j, target)
	case toolMigrateVersion:
		return migrateVersion(j, target)
	}
	return fmt.Errorf("unknown tool %q", j.Tool)
}

func retortURL(db, target string) string {
	if db == dbSQLite {
		return "sqlite:" + target
	}
	return target
}

func floorSQLite(path string, stmts []string, oneTx bool) error {
	c, err := sqlite3.Open(path)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Exec("PRAGMA journal_mode=WAL"); err != nil {
		return err
	}
	if oneTx {
		if err := c.Exec("BEGIN"); err != nil {
			return err
		}
	}
	for _, s := range stmts {
		if err := c.Exec(s); err != nil {
			return err
		}
	}
	if oneTx {
		return c.Exec("COMMIT")
	}
	return nil
}

func floorPostgres(ctx context.Context, url string, stmts []string, oneTx bool) error {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if !oneTx {
		for _, s := range stmts {
			if _, err := c.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
}

func retort(ctx context.Context, j *job, url string, mode engine.TxMode) error {
	e, err := engine.Open(ctx, engine.Config{
		URL:     url,
		Opener:  open.Opener{},
		Scripts: os.DirFS(filepath.Join(j.Dir, "retort")),
		TxMode:  mode,
	})
	if err != nil {
		return err
	}
	defer e.Close()
	if j.Op == opDown {
		_, err = e.Downgrade(ctx, "base")
	} else {
		_, err = e.Upgrade(ctx, "head")
	}
	if err != nil {
		return err
	}
	return e.Close()
}

func gooseRun(ctx context.Context, j *job, target string) error {
	driver, dsn, dialect := "pgx", target, goose.DialectPostgres
	switch j.DB {
	case dbSQLite:
		driver, dsn, dialect = "sqlite3", "file:"+target+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)", goose.DialectSQLite3
	case dbMySQL:
		d, err := driverDSN(target)
		if err != nil {
			return err
		}
		driver, dsn, dialect = "mysql", d, goose.DialectMySQL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := goose.NewProvider(dialect, db, os.DirFS(filepath.Join(j.Dir, "goose")))
	if err != nil {
		return err
	}
	if j.Op == opDown {
		_, err = p.DownTo(ctx, 0)
	} else {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return err
	}
	return db.Close()
}

func migrateRun(j *job, target string) error {
	url := "sqlite://" + target + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	if j.DB == dbPostgres {
		url = "pgx5" + target[len("postgres"):]
	}
	if j.DB == dbMySQL {
		var err error
		if url, err = migrateMySQLURL(target); err != nil {
			return err
		}
	}
	m, err := migrate.New("file://"+filepath.Join(j.Dir, "migrate"), url)
	if err != nil {
		return err
	}
	if j.Op == opDown {
		err = m.Down()
	} else {
		err = m.Up()
	}
	serr, derr := m.Close()
	return errors.Join(err, serr, derr)
}
