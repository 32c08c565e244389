package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pelletier/go-toml/v2"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/mysql"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/internal/mysqltest"
	"github.com/retort-sql/retort/internal/pgtest"
)

// badCase is the case.toml of one folder under testdata/bad. The folder's
// migrations/ is the script directory; every other file is copied along.
type badCase struct {
	// Doc says what is wrong.
	Doc string `toml:"doc"`
	// Args is the command line after --dir, --url and --log-level
	// (default: upgrade head). "{case}" is replaced by the case's folder.
	Args []string `toml:"args"`
	// Setup is a command line that must succeed before the snapshot.
	Setup []string `toml:"setup"`
	// Want lists substrings the one error line must contain.
	Want []string `toml:"want"`
	// URL replaces the database URL. "{case}" is the case's folder;
	// "{postgres-db:NAME}" is the test server with database NAME;
	// "{postgres-user:USER:PASSWORD}" is the case's database reached as
	// USER with PASSWORD.
	URL string `toml:"url"`
	// Databases lists where the case runs: sqlite, postgres, mysql, or
	// none (the URL names no database of the test's). Default: sqlite,
	// postgres and mysql.
	Databases []string `toml:"databases"`
	// Prepare names a step the test performs on its copy of the folder.
	Prepare string `toml:"prepare"`
}

const badDir = "testdata/bad"

// TestBadInput runs the binary on every case under testdata/bad: the exit
// code is 1, stderr is exactly one line that names the file and line or
// the revision, and the database and the case's files are unchanged.
func TestBadInput(t *testing.T) {
	bin := buildMigrate(t)
	// The binary's folders are 0700; unprivileged runs need to reach it.
	for _, d := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin))} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 40 {
		t.Fatalf("%d cases in %s, want at least 40", len(entries), badDir)
	}
	for _, ent := range entries {
		name := ent.Name()
		var c badCase
		raw, err := os.ReadFile(filepath.Join(badDir, name, "case.toml"))
		if err != nil {
			t.Fatal(err)
		}
		if err := toml.NewDecoder(bytes.NewReader(raw)).DisallowUnknownFields().Decode(&c); err != nil {
			t.Fatalf("%s/case.toml: %v", name, err)
		}
		if len(c.Want) == 0 || c.Doc == "" {
			t.Fatalf("%s/case.toml: doc and want are required", name)
		}
		dbs := c.Databases
		if len(dbs) == 0 {
			dbs = []string{"sqlite", "postgres", "mysql"}
		}
		t.Run(name, func(t *testing.T) {
			for _, db := range dbs {
				t.Run(db, func(t *testing.T) { runBadCase(t, bin, name, c, db) })
			}
		})
	}
}

func runBadCase(t *testing.T, bin, name string, c badCase, db string) {
	work := copyCase(t, filepath.Join(badDir, name))
	var dbURL string
	var snap func() string
	switch db {
	case "sqlite":
		dbURL, snap = sqliteBaseline(t, work)
	case "postgres":
		dbURL, snap = postgresBaseline(t)
	case "mysql":
		dbURL, snap = mysqlBaseline(t)
	case "none":
		dbURL, snap = "sqlite:"+filepath.Join(work, "unused.db"), func() string { return "" }
	default:
		t.Fatalf("unknown database %q", db)
	}
	want := slices.Clone(c.Want)
	unprivileged := prepareCase(t, c.Prepare, work, &want, db)

	subst := func(s string) string { return strings.ReplaceAll(s, "{case}", work) }
	target := dbURL
	if c.URL != "" {
		target = caseURL(t, subst(c.URL), dbURL)
	}
	run := func(args []string, unpriv bool) (int, string, string) {
		full := append([]string{"--dir", filepath.Join(work, "migrations"), "--url", target, "--log-level", "disabled"}, args...)
		for i := range full {
			full[i] = subst(full[i])
		}
		return runMigrate(t, bin, work, full, unpriv)
	}
	if len(c.Setup) > 0 {
		if code, _, stderr := run(c.Setup, false); code != 0 {
			t.Fatalf("setup %v: exit %d: %s", c.Setup, code, stderr)
		}
	}
	args := c.Args
	if len(args) == 0 {
		args = []string{"upgrade", "head"}
	}

	dbBefore, filesBefore := snap(), treeSnapshot(t, work)
	code, _, stderr := run(args, unprivileged)
	dbAfter, filesAfter := snap(), treeSnapshot(t, work)

	t.Logf("exit %d, stderr: %s", code, stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "migrate: ") {
		t.Errorf("stderr is not one \"migrate: …\" line:\n%s", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not contain %q:\n%s", w, stderr)
		}
	}
	if dbBefore != dbAfter {
		t.Errorf("database changed:\n%s", lineDiff(dbBefore, dbAfter))
	}
	if filesBefore != filesAfter {
		t.Errorf("files changed:\n%s", lineDiff(filesBefore, filesAfter))
	}
}

// runMigrate runs the binary in dir with an environment that names no
// database and returns its exit code, stdout and stderr. unpriv runs it as
// the nobody user when the test runs as root, for whom file modes do not
// stop reads or writes.
func runMigrate(t *testing.T, bin, dir string, args []string, unpriv bool) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MIGRATE_URL=", "DATABASE_URL=")
	if unpriv && os.Geteuid() == 0 {
		uid, gid := nobody(t)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run %v: %v", args, err)
	return 0, "", ""
}

func nobody(t *testing.T) (uint32, uint32) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root and no nobody user to drop to: %v", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return uint32(uid), uint32(gid)
}

// copyCase copies a case folder into a fresh folder every user can enter.
func copyCase(t *testing.T, src string) string {
	t.Helper()
	work, err := os.MkdirTemp("", "retort-bad-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Give back the permissions a case took away, then remove.
		_ = filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
			_ = os.Chmod(p, 0o755)
			return nil
		})
		_ = os.RemoveAll(work)
	})
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(work, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if rel == "case.toml" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return work
}

// prepareCase performs a case's prepare step and reports whether the
// command must run without root's privileges.
func prepareCase(t *testing.T, step, work string, want *[]string, db string) bool {
	t.Helper()
	mig := filepath.Join(work, "migrations")
	switch step {
	case "":
		return false
	case "big-file":
		line := writeBigScript(t, filepath.Join(mig, "big.sql"), 50<<20)
		*want = append(*want, fmt.Sprintf("big.sql:%d", line))
		return false
	case "unreadable-file":
		if err := os.Chmod(filepath.Join(mig, "b.sql"), 0); err != nil {
			t.Fatal(err)
		}
		return true
	case "unreadable-folder":
		sub := filepath.Join(mig, "sub")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		body := "-- migrate:revision bbbb00000002\n-- migrate:down_revision aaaa00000001\n\n-- migrate:upgrade\nSELECT 1;\n"
		if err := os.WriteFile(filepath.Join(sub, "b.sql"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(sub, 0); err != nil {
			t.Fatal(err)
		}
		return true
	case "no-migrations":
		return false
	case "migrations-is-file":
		if err := os.WriteFile(mig, []byte("not a folder\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return false
	case "readonly-sqlite":
		if db != "sqlite" {
			t.Fatalf("readonly-sqlite needs the sqlite database, not %s", db)
		}
		dir := filepath.Join(work, "db")
		if err := os.Chmod(filepath.Join(dir, "app.db"), 0o444); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		return true
	case "nologin-role":
		admin := pgtest.AdminURL(t)
		role := "retort_bad_input_nologin"
		pgAdminExec(t, admin, "DROP ROLE IF EXISTS "+role)
		pgAdminExec(t, admin, "CREATE ROLE "+role+" NOLOGIN PASSWORD 'R1ghtPassw0rd'")
		t.Cleanup(func() { pgAdminExec(t, admin, "DROP ROLE IF EXISTS "+role) })
		return false
	}
	t.Fatalf("unknown prepare step %q", step)
	return false
}

// writeBigScript writes a valid revision of size bytes whose last
// statement is an unterminated string, and returns that statement's line.
func writeBigScript(t *testing.T, path string, size int) int {
	t.Helper()
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("-- migrate:revision bbbb00000002\n-- migrate:down_revision aaaa00000001\n\n-- migrate:upgrade\n")
	line := 5
	pad := strings.Repeat("x", 100)
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "INSERT INTO t_aaaa00000001 VALUES (%d); -- %s\n", i, pad)
		line++
	}
	b.WriteString("SELECT 'never closed;\n")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return line
}

// caseURL expands a case's URL placeholders.
func caseURL(t *testing.T, raw, dbURL string) string {
	t.Helper()
	switch {
	case strings.HasPrefix(raw, "{postgres-db:"):
		u, err := url.Parse(pgtest.AdminURL(t))
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + strings.TrimSuffix(strings.TrimPrefix(raw, "{postgres-db:"), "}")
		return u.String()
	case strings.HasPrefix(raw, "{postgres-user:"):
		user, pw, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(raw, "{postgres-user:"), "}"), ":")
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, pw)
		return u.String()
	}
	return raw
}

func pgAdminExec(t *testing.T, admin, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// baselineSQL gives every database content that must survive each case.
var baselineSQL = []string{
	"CREATE TABLE keep (id integer PRIMARY KEY, v varchar(20))",
	"INSERT INTO keep VALUES (1, 'one'), (2, 'two')",
}

// sqliteBaseline creates work/db/app.db with the baseline content and
// returns its URL and a function that snapshots it: a dump of the schema
// and every row, then the bytes of the file and of its -wal file.
func sqliteBaseline(t *testing.T, work string) (string, func() string) {
	t.Helper()
	dir := filepath.Join(work, "db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "app.db")
	open := func() (adapter.Pool, error) { return sqlite.Open(t.Context(), path) }
	execAll(t, open, baselineSQL)
	return "sqlite:" + path, func() string {
		var b strings.Builder
		// Opening a WAL database needs a writable folder (for -shm); in a
		// read-only one, the file's bytes alone describe the database.
		if syscall.Access(dir, 2 /* W_OK */) == nil {
			b.WriteString(dumpTables(t, open,
				"SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name",
				"SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
		}
		for _, f := range []string{path, path + "-wal"} {
			data, err := os.ReadFile(f)
			if errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(&b, "%s: absent\n", filepath.Base(f))
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s: %d bytes, sha256 %x\n", filepath.Base(f), len(data), sha256.Sum256(data))
		}
		return b.String()
	}
}

// postgresBaseline creates a database with the baseline content and returns
// its URL and a function that snapshots it: pg_dump's output when pg_dump
// is installed, and always the tables, columns, indexes and every row.
func postgresBaseline(t *testing.T) (string, func() string) {
	t.Helper()
	u := pgtest.URL(t)
	open := func() (adapter.Pool, error) { return postgres.Open(t.Context(), u) }
	execAll(t, open, baselineSQL)
	return u, func() string {
		var b strings.Builder
		if pgDump, err := exec.LookPath("pg_dump"); err == nil {
			out, err := exec.CommandContext(t.Context(), pgDump, "--no-owner", "--no-privileges", "--dbname", u).Output()
			if err != nil {
				t.Fatalf("pg_dump: %v", err)
			}
			// pg_dump 15.14 and later fence the dump with a random key.
			for _, l := range strings.SplitAfter(string(out), "\n") {
				if !strings.HasPrefix(l, `\restrict `) && !strings.HasPrefix(l, `\unrestrict `) {
					b.WriteString(l)
				}
			}
		}
		b.WriteString(dumpTables(t, open,
			`SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name || ' ' || c.data_type
			 FROM information_schema.columns c
			 WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
			 UNION ALL
			 SELECT schemaname || ' ' || indexdef FROM pg_indexes
			 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
			 ORDER BY 1`,
			`SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
			 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`))
		return b.String()
	}
}

// mysqlBaseline creates a database with the baseline content and returns
// its URL and a function that snapshots it: every column and index of the
// database, and every row of each table.
func mysqlBaseline(t *testing.T) (string, func() string) {
	t.Helper()
	u := mysqltest.URL(t)
	dsn := mysqltest.DriverDSN(t, u)
	open := func() (adapter.Pool, error) { return mysql.Open(t.Context(), dsn) }
	execAll(t, open, baselineSQL)
	return u, func() string {
		return dumpTables(t, open,
			`SELECT CONCAT(table_name, '.', column_name, ' ', column_type) FROM information_schema.columns
			 WHERE table_schema = DATABASE()
			 UNION ALL
			 SELECT CONCAT(table_name, ' index ', index_name, ' ', column_name) FROM information_schema.statistics
			 WHERE table_schema = DATABASE()
			 ORDER BY 1`,
			"SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1")
	}
}

func execAll(t *testing.T, open func() (adapter.Pool, error), stmts []string) {
	t.Helper()
	c := acquire(t, open)
	for _, s := range stmts {
		if _, err := c.Exec(t.Context(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// dumpTables renders the rows of schemaQuery, then every row of each table
// that tablesQuery names, sorted.
func dumpTables(t *testing.T, open func() (adapter.Pool, error), schemaQuery, tablesQuery string) string {
	t.Helper()
	c := acquire(t, open)
	query := func(sql string) []string {
		rows, err := c.Query(t.Context(), sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(v))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	queryRows := func(sql string) []string {
		rows, err := c.Query(t.Context(), sql)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var vals [3]any
			if err := rows.Scan(&vals[0], &vals[1], &vals[2]); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(vals[:]...))
		}
		return out
	}
	var b strings.Builder
	if strings.Contains(schemaQuery, "sqlite_master") {
		for _, r := range queryRows(schemaQuery) {
			b.WriteString(r + "\n")
		}
	} else {
		for _, r := range query(schemaQuery) {
			b.WriteString(r + "\n")
		}
	}
	for _, table := range query(tablesQuery) {
		sel := "SELECT t::text FROM " + table + " t"
		switch c.Dialect().Name() {
		case "postgres":
		case "mysql":
			var cols []string
			for _, col := range query("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = '" +
				strings.ReplaceAll(table, "'", "''") + "' ORDER BY ordinal_position") {
				cols = append(cols, "`"+strings.ReplaceAll(col, "`", "``")+"`")
			}
			sel = "SELECT JSON_ARRAY(" + strings.Join(cols, ", ") + ") FROM `" + strings.ReplaceAll(table, "`", "``") + "`"
		default:
			// SQLite has no row-to-text cast: list the columns in json_array.
			lit := "'" + strings.ReplaceAll(table, "'", "''") + "'"
			var cols []string
			for _, col := range query("SELECT name FROM pragma_table_info(" + lit + ") ORDER BY cid") {
				cols = append(cols, `"`+strings.ReplaceAll(col, `"`, `""`)+`"`)
			}
			sel = "SELECT json_array(" + strings.Join(cols, ", ") + ") FROM \"" + strings.ReplaceAll(table, `"`, `""`) + "\""
		}
		rows := query(sel)
		slices.Sort(rows)
		fmt.Fprintf(&b, "%s: %s\n", table, strings.Join(rows, " | "))
	}
	return b.String()
}

// treeSnapshot lists every file under dir with its mode and a hash of its
// content. SQLite's lock files (created beside a database the command
// locked) are left out: they hold no data.
func treeSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", rel, errors.Unwrap(err))
			return nil
		}
		if strings.HasSuffix(p, sqlite.LockFileSuffix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/ %v\n", rel, info.Mode())
			return nil
		}
		// Read through a fresh stat, not the walk, so a 000 file shows as one.
		sum := "unread"
		if info.Mode().Perm()&0o444 != 0 || os.Geteuid() == 0 {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum = fmt.Sprintf("%x", sha256.Sum256(data))
		}
		fmt.Fprintf(&b, "%s %v %d %s\n", rel, info.Mode(), info.Size(), sum)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// lineDiff lists the lines only in before (-) and only in after (+).
func lineDiff(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestBadInputSnapshotsSeeChanges guards the snapshots against proving
// nothing: a successful upgrade of a valid case folder changes both.
func TestBadInputSnapshotsSeeChanges(t *testing.T) {
	bin := buildMigrate(t)
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			work := copyCase(t, filepath.Join(badDir, "unknown-target"))
			var u string
			var snap func() string
			if db == "sqlite" {
				u, snap = sqliteBaseline(t, work)
			} else {
				u, snap = postgresBaseline(t)
			}
			before := snap()
			code, _, stderr := runMigrate(t, bin, work, []string{"--dir", filepath.Join(work, "migrations"), "--url", u, "--log-level", "disabled", "upgrade", "head"}, false)
			if code != 0 {
				t.Fatalf("upgrade: exit %d: %s", code, stderr)
			}
			diff := lineDiff(before, snap())
			if !strings.Contains(diff, "aaaa00000001") || !strings.Contains(diff, "t_aaaa00000001") {
				t.Fatalf("snapshot diff does not show the version row and the new table:\n%s", diff)
			}
		})
	}
}
