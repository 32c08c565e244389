package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/pgtest"
)

// otherTools builds bench/cmd/othertools, which drives goose and
// golang-migrate through their own Go modules, and returns its path.
func otherTools(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "othertools")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./cmd/othertools")
	cmd.Dir = filepath.Join(testdataRoot, "..", "..", "bench")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build othertools: %v\n%s", err, out)
	}
	return bin
}

func runTool(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("othertools %v: %v\n%s", args, err, out)
	}
}

// arrivalDB is one database kind the arrival tests run on.
type arrivalDB struct {
	name string
	// open returns a new database: Retort's URL, and the other tools' DSN.
	open func(t *testing.T) (retort, goose, golangMigrate string)
	// schema dumps the schema, version tables left out.
	schema func(t *testing.T, retort string) string
}

var arrivalDBs = []arrivalDB{
	{"postgres", func(t *testing.T) (string, string, string) {
		u := pgtest.URL(t)
		return u, u, "pgx5" + strings.TrimPrefix(strings.TrimPrefix(u, "postgresql"), "postgres")
	}, pgDump},
	{"sqlite", func(t *testing.T) (string, string, string) {
		p := filepath.Join(t.TempDir(), "app.db")
		return "sqlite:" + p, p, "sqlite://" + p
	}, func(t *testing.T, u string) string { return sqliteDump(t, strings.TrimPrefix(u, "sqlite:")) }},
}

func pgDump(t *testing.T, url string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
		"-T", "goose_db_version*", "-T", "schema_migrations", "-T", "alembic_version", "-T", "migrate_*", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	var kept []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") && !strings.HasPrefix(l, `\restrict`) && !strings.HasPrefix(l, `\unrestrict`) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

func sqliteDump(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "sqlite3", path, "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master "+
		"WHERE name NOT IN ('goose_db_version', 'schema_migrations', 'alembic_version') AND name NOT LIKE 'migrate_%' AND name NOT LIKE 'sqlite_%' ORDER BY name").CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// mustRun runs the CLI and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := run(t, nil, args...)
	if r.code != cli.ExitOK {
		t.Fatalf("migrate %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// gooseFiles fills the templates `goose create` wrote, per database.
func gooseFiles(db string) map[string]string {
	index, dropIndex := "CREATE INDEX CONCURRENTLY ix_account_name ON account (name);", "DROP INDEX CONCURRENTLY ix_account_name;"
	body := `CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.name := lower(NEW.name);
    RETURN NEW;
END;
$$;`
	dropBody := "DROP FUNCTION touch();"
	if db == "sqlite" {
		index, dropIndex = "CREATE INDEX ix_account_name ON account (name);", "DROP INDEX ix_account_name;"
		body = `CREATE TRIGGER touch AFTER INSERT ON account
BEGIN
    UPDATE account SET name = lower(name) WHERE id = NEW.id;
END;`
		dropBody = "DROP TRIGGER touch;"
	}
	return map[string]string{
		"create_account": "-- +goose Up\nCREATE TABLE account (\n    id integer PRIMARY KEY,\n    name text NOT NULL -- shown; to users\n);\n\n-- +goose Down\nDROP TABLE account;\n",
		"name_index":     "-- +goose NO TRANSACTION\n-- +goose Up\n" + index + "\n\n-- +goose Down\n" + dropIndex + "\n",
		"touch":          "-- +goose Up\n-- +goose StatementBegin\n" + body + "\n-- +goose StatementEnd\n\n-- +goose Down\n" + dropBody + "\n",
		"add_email":      "-- +goose Up\nALTER TABLE account ADD COLUMN email text;\nINSERT INTO account (id, name, email) VALUES (1, 'Ann', 'ann@example.com');\n\n-- +goose Down\nALTER TABLE account DROP COLUMN email;\n",
	}
}

// TestArriveFromGoose walks a goose user's arrival on each database:
// migrations made by `goose create`, applied by goose up to version 3,
// imported, adopted (twice, and once with --sql), then upgraded by Retort,
// which must run version 4 only and end with the schema goose builds.
func TestArriveFromGoose(t *testing.T) {
	bin := otherTools(t)
	for _, db := range arrivalDBs {
		t.Run(db.name, func(t *testing.T) {
			work := inTemp(t)
			src := filepath.Join(work, "goose")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"create_account", "name_index", "touch", "add_email"} {
				runTool(t, bin, "goose-create", src, name)
			}
			matches, _ := filepath.Glob(filepath.Join(src, "*.sql"))
			if len(matches) != 4 {
				t.Fatalf("goose create wrote %v", matches)
			}
			files := gooseFiles(db.name)
			for _, m := range matches {
				name := regexp.MustCompile(`^\d+_(.*)\.sql$`).FindStringSubmatch(filepath.Base(m))[1]
				writeFile(t, m, files[name])
			}
			url, gooseDSN, _ := db.open(t)
			refURL, refDSN, _ := db.open(t)
			runTool(t, bin, "goose-up", src, db.name, gooseDSN, "3")
			runTool(t, bin, "goose-up", src, db.name, refDSN)

			r := mustRun(t, "--url", url, "import", "goose", src, "--out", "migrations")
			if !strings.Contains(r.stdout, "imported 4 revisions") || !strings.Contains(r.stdout, "NO TRANSACTION") {
				t.Fatalf("import output:\n%s", r.stdout)
			}
			data, err := os.ReadFile(filepath.Join("migrations", "00002_name_index.sql"))
			if err != nil || !strings.Contains(string(data), "-- migrate:upgrade transaction=false") || !strings.Contains(string(data), "-- migrate:down_revision 1\n") {
				t.Fatalf("00002_name_index.sql: %v\n%s", err, data)
			}
			if r := run(t, nil, "--url", url, "import", "goose", src, "--out", "migrations"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "--force") {
				t.Fatalf("second import: exit %d %s", r.code, r.stderr)
			}
			mustRun(t, "--url", url, "import", "goose", src, "--out", "migrations", "--force")

			r = mustRun(t, "--url", url, "adopt", "goose", "--sql")
			if !strings.Contains(r.stdout, `INSERT INTO "migrate_version" (version_num) VALUES ('3')`) {
				t.Fatalf("adopt --sql:\n%s", r.stdout)
			}
			if r := mustRun(t, "--url", url, "current"); strings.TrimSpace(r.stdout) != "" {
				t.Fatalf("adopt --sql wrote: current %q", r.stdout)
			}
			r = mustRun(t, "--url", url, "adopt", "goose")
			if !strings.Contains(r.stdout, "adopted goose at 3") {
				t.Fatalf("adopt: %s", r.stdout)
			}
			if r := mustRun(t, "--url", url, "adopt", "goose"); !strings.Contains(r.stdout, "already adopted") {
				t.Fatalf("second adopt: %s", r.stdout)
			}
			if r := mustRun(t, "--url", url, "current"); strings.Fields(r.stdout)[0] != "3" {
				t.Fatalf("current after adopt: %q", r.stdout)
			}
			r = mustRun(t, "--url", url, "--log-level", "info", "--log-format", "json", "upgrade", "head")
			if !strings.Contains(r.stdout, "upgraded 1 revision") || !strings.Contains(r.stdout, "3 -> 4") {
				t.Fatalf("upgrade after adopt:\n%s\n%s", r.stdout, r.stderr)
			}
			if a, b := db.schema(t, refURL), db.schema(t, url); a != b {
				t.Fatalf("schemas differ\n--- goose up\n%s\n--- goose up 3, adopt, migrate upgrade\n%s", a, b)
			}
		})
	}
}

// TestImportGooseGoMigration checks that a Go migration made by `goose
// create -s name go` becomes a placeholder that keeps the chain.
func TestImportGooseGoMigration(t *testing.T) {
	bin := otherTools(t)
	work := inTemp(t)
	src := filepath.Join(work, "goose")
	if err := os.Mkdir(src, 0o755); err != nil {
		t.Fatal(err)
	}
	runTool(t, bin, "goose-create", src, "create_account")
	runTool(t, bin, "goose-create-go", src, "backfill")
	runTool(t, bin, "goose-create", src, "add_email")
	r := mustRun(t, "import", "goose", src, "--out", "migrations")
	if !strings.Contains(r.stdout, "HAND-EDIT: 2 (") || !strings.Contains(r.stdout, "1 need hand-editing") {
		t.Fatalf("import output:\n%s", r.stdout)
	}
	r = mustRun(t, "history")
	if !strings.Contains(r.stdout, "2 -> 3 (head)") || !strings.Contains(r.stdout, "1 -> 2, backfill") {
		t.Fatalf("history:\n%s", r.stdout)
	}
}

// golangMigrateFiles are migrations in golang-migrate's documented layout:
// 000003 has no down file, 000002 uses CREATE INDEX CONCURRENTLY on
// PostgreSQL, 000003 wraps itself in BEGIN … COMMIT on PostgreSQL.
func golangMigrateFiles(db string) map[string]string {
	f := map[string]string{
		"000001_create_account.up.sql":   "CREATE TABLE account (id integer PRIMARY KEY, name text NOT NULL);\n",
		"000001_create_account.down.sql": "DROP TABLE account;\n",
		"000002_name_index.up.sql":       "CREATE INDEX CONCURRENTLY ix_account_name ON account (name);\n",
		"000002_name_index.down.sql":     "DROP INDEX CONCURRENTLY ix_account_name;\n",
		"000003_seed.up.sql":             "BEGIN;\nINSERT INTO account VALUES (1, 'ann');\nINSERT INTO account VALUES (2, 'bob');\nCOMMIT;\n",
		"000004_add_email.up.sql":        "ALTER TABLE account ADD COLUMN email text;\n",
		"000004_add_email.down.sql":      "ALTER TABLE account DROP COLUMN email;\n",
	}
	if db == "sqlite" {
		f["000002_name_index.up.sql"] = "CREATE INDEX ix_account_name ON account (name);\n"
		f["000002_name_index.down.sql"] = "DROP INDEX ix_account_name;\n"
		f["000003_seed.up.sql"] = "INSERT INTO account VALUES (1, 'ann');\nINSERT INTO account VALUES (2, 'bob');\n"
	}
	return f
}

// TestArriveFromGolangMigrate applies three migrations with golang-migrate,
// imports and adopts them, and upgrades the fourth with Retort; a dirty
// schema_migrations is refused naming its version.
func TestArriveFromGolangMigrate(t *testing.T) {
	bin := otherTools(t)
	for _, db := range arrivalDBs {
		t.Run(db.name, func(t *testing.T) {
			work := inTemp(t)
			src := filepath.Join(work, "gm")
			for name, body := range golangMigrateFiles(db.name) {
				writeFile(t, filepath.Join(src, name), body)
			}
			url, _, gmURL := db.open(t)
			refURL, _, refGM := db.open(t)
			runTool(t, bin, "migrate-up", src, gmURL, "3")
			runTool(t, bin, "migrate-up", src, refGM)

			r := mustRun(t, "--url", url, "import", "golang-migrate", src, "--out", "migrations")
			if !strings.Contains(r.stdout, "imported 4 revisions") {
				t.Fatalf("import:\n%s", r.stdout)
			}
			seed, _ := os.ReadFile(filepath.Join("migrations", "000003_seed.sql"))
			if strings.Contains(string(seed), "migrate:downgrade") || strings.Contains(string(seed), "BEGIN;") {
				t.Fatalf("000003_seed.sql:\n%s", seed)
			}
			if db.name == "postgres" {
				idx, _ := os.ReadFile(filepath.Join("migrations", "000002_name_index.sql"))
				if !strings.Contains(string(idx), "-- migrate:upgrade transaction=false") {
					t.Fatalf("000002_name_index.sql:\n%s", idx)
				}
			}
			r = mustRun(t, "--url", url, "adopt", "golang-migrate")
			if !strings.Contains(r.stdout, "adopted golang-migrate at 3") {
				t.Fatalf("adopt: %s", r.stdout)
			}
			if r := mustRun(t, "--url", url, "adopt", "golang-migrate"); !strings.Contains(r.stdout, "already adopted") {
				t.Fatalf("second adopt: %s", r.stdout)
			}
			r = mustRun(t, "--url", url, "upgrade", "head")
			if !strings.Contains(r.stdout, "upgraded 1 revision") {
				t.Fatalf("upgrade: %s", r.stdout)
			}
			if a, b := db.schema(t, refURL), db.schema(t, url); a != b {
				t.Fatalf("schemas differ\n--- golang-migrate up\n%s\n--- adopted\n%s", a, b)
			}
			if r := run(t, nil, "--url", url, "downgrade", "base"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "irreversible") {
				t.Fatalf("downgrade through 000003: exit %d %s", r.code, r.stderr)
			}

			// A migration that fails leaves golang-migrate's row dirty.
			dirtyURL, _, dirtyGM := db.open(t)
			writeFile(t, filepath.Join(src, "000005_broken.up.sql"), "INSERT INTO no_such_table VALUES (1);\n")
			if out, err := exec.CommandContext(t.Context(), bin, "migrate-up", src, dirtyGM).CombinedOutput(); err == nil {
				t.Fatalf("the broken migration applied:\n%s", out)
			}
			r = run(t, nil, "--url", dirtyURL, "adopt", "golang-migrate")
			if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "version 5 is dirty") {
				t.Fatalf("adopt dirty: exit %d %s", r.code, r.stderr)
			}
		})
	}
}

// alembicRevisionBodies fill the revisions `alembic revision` writes.
var alembicRevisionBodies = map[string][2]string{
	"c001": {`op.create_table("account", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50), nullable=False))`, `op.drop_table("account")`},
	"c002": {`op.add_column("account", sa.Column("email", sa.String(100)))
    op.create_index("ix_account_email", "account", ["email"])`, `op.drop_index("ix_account_email", table_name="account")
    op.drop_column("account", "email")`},
}

// alembicRevision creates a revision with the real `alembic revision` and
// fills its functions.
func alembicRevision(t *testing.T, dir, id, msg string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), alembicPython, "-m", "alembic", "revision", "-m", msg, "--rev-id", id)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("alembic revision: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "alembic", "versions", id+"_*.py"))
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	b := alembicRevisionBodies[id]
	text := regexp.MustCompile(`def upgrade\(\) -> None:\n    pass`).ReplaceAllLiteralString(string(data), "def upgrade() -> None:\n    "+b[0])
	text = regexp.MustCompile(`def downgrade\(\) -> None:\n    pass`).ReplaceAllLiteralString(text, "def downgrade() -> None:\n    "+b[1])
	writeFile(t, matches[0], text)
}

func alembicRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), alembicPython, append([]string{"-m", "alembic"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("alembic %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestArriveFromAlembic: a database at c001 by `alembic upgrade`, the
// project imported with alembic.ini as config, adopted (alembic_version is
// the version table: nothing to record), upgraded by Retort; Alembic then
// reads the same state. With another version table, adopt copies the rows.
func TestArriveFromAlembic(t *testing.T) {
	for _, db := range arrivalDBs {
		t.Run(db.name, func(t *testing.T) {
			dir := inTemp(t)
			url, _, _ := db.open(t)
			saURL := "sqlite:///" + strings.TrimPrefix(url, "sqlite:")
			if db.name == "postgres" {
				saURL = "postgresql://" + strings.TrimPrefix(strings.TrimPrefix(url, "postgresql://"), "postgres://")
			}
			alembicInit(t, dir, "generic")
			setINIKey(t, filepath.Join(dir, "alembic.ini"), "sqlalchemy.url", strings.ReplaceAll(saURL, "%", "%%"))
			alembicRevision(t, dir, "c001", "create account")
			alembicRevision(t, dir, "c002", "add email")
			online := db.name == "sqlite" || exec.CommandContext(t.Context(), alembicPython, "-c", "import psycopg2").Run() == nil
			if online {
				alembicRun(t, dir, "upgrade", "c001")
			} else {
				psql := exec.CommandContext(t.Context(), "psql", "-v", "ON_ERROR_STOP=1", "-q", url)
				psql.Stdin = strings.NewReader(alembicRun(t, dir, "upgrade", "c001", "--sql"))
				if out, err := psql.CombinedOutput(); err != nil {
					t.Fatalf("psql: %v\n%s", err, out)
				}
			}

			r := mustRun(t, "import", "alembic")
			if !strings.Contains(r.stdout, "imported 2 revisions") || !strings.Contains(r.stdout, filepath.Join("alembic", "versions", "c002_add_email.sql")) {
				t.Fatalf("import:\n%s", r.stdout)
			}
			if r := mustRun(t, "adopt", "alembic"); !strings.Contains(r.stdout, "alembic_version is Retort's version table already (at c001)") {
				t.Fatalf("adopt: %s", r.stdout)
			}
			// Another version table: the rows are copied, once.
			if r := mustRun(t, "--version-table", "copied_version", "adopt", "alembic"); !strings.Contains(r.stdout, "adopted alembic at c001") {
				t.Fatalf("adopt into copied_version: %s", r.stdout)
			}
			if r := mustRun(t, "--version-table", "copied_version", "adopt", "alembic"); !strings.Contains(r.stdout, "already adopted") {
				t.Fatalf("second adopt: %s", r.stdout)
			}
			if r := mustRun(t, "upgrade", "head"); !strings.Contains(r.stdout, "upgraded 1 revision") {
				t.Fatalf("upgrade: %s", r.stdout)
			}
			if online {
				if out := alembicRun(t, dir, "current"); !strings.Contains(out, "c002 (head)") {
					t.Fatalf("alembic current after Retort's upgrade: %s", out)
				}
			}
			if s := db.schema(t, url); !strings.Contains(s, "ix_account_email") {
				t.Fatalf("schema lacks c002's index:\n%s", s)
			}
		})
	}
}

// TestImportWritesNothingOnError: one file that goose could not run
// either, among good ones, and the output folder is never created.
func TestImportWritesNothingOnError(t *testing.T) {
	inTemp(t)
	writeFile(t, "goose/00001_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n")
	writeFile(t, "goose/00002_b.sql", "-- +goose Up\nCREATE TABLE b (id int)\n")
	writeFile(t, "gm/1_a.up.sql", "CREATE TABLE a (id int);\n")
	writeFile(t, "gm/2_b.down.sql", "DROP TABLE b;\n")
	for _, tc := range []struct{ tool, src, want string }{
		{"goose", "goose", "goose/00002_b.sql:2: statement does not end with a semicolon"},
		{"golang-migrate", "gm", "gm/2_b.down.sql: version 2 has a down file but no up file"},
	} {
		r := run(t, nil, "import", tc.tool, tc.src, "--out", "out")
		if r.code != cli.ExitFailure || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("import %s: exit %d %s", tc.tool, r.code, r.stderr)
		}
		if _, err := os.Stat("out"); err == nil {
			t.Fatalf("import %s created the output folder", tc.tool)
		}
	}
	if r := run(t, nil, "import", "goose", "goose", "--out", "goose"); r.code != cli.ExitUsage {
		t.Errorf("--out equal to SRC: exit %d %s", r.code, r.stderr)
	}
}

// TestAlembicAsyncProject: a project from Alembic's asyncio template, with
// its async URL in alembic.ini, imported and upgraded by Retort on each
// database, without any change to the URL.
func TestAlembicAsyncProject(t *testing.T) {
	for _, db := range arrivalDBs {
		t.Run(db.name, func(t *testing.T) {
			dir := inTemp(t)
			url, _, _ := db.open(t)
			asyncURL := "sqlite+aiosqlite:///app.db"
			if db.name == "postgres" {
				_, rest, _ := strings.Cut(url, "://")
				sep := "?"
				if strings.Contains(rest, "?") {
					sep = "&"
				}
				asyncURL = "postgresql+asyncpg://" + rest + sep + "prepared_statement_cache_size=0"
			}
			alembicInit(t, dir, "async")
			if env, _ := os.ReadFile(filepath.Join(dir, "alembic", "env.py")); !strings.Contains(string(env), "run_sync") {
				t.Fatalf("not the asyncio template:\n%s", env)
			}
			setINIKey(t, filepath.Join(dir, "alembic.ini"), "sqlalchemy.url", strings.ReplaceAll(asyncURL, "%", "%%"))
			alembicRevision(t, dir, "c001", "create account")
			mustRun(t, "import", "alembic")
			r := mustRun(t, "--log-level", "debug", "--log-format", "json", "upgrade", "head")
			if !strings.Contains(r.stdout, "upgraded 1 revision") || !strings.Contains(r.stderr, `"sqlalchemy_driver"`) {
				t.Fatalf("upgrade:\n%s\n%s", r.stdout, r.stderr)
			}
			check := url
			if db.name == "sqlite" {
				check = "sqlite:" + filepath.Join(dir, "app.db")
			}
			if s := db.schema(t, check); !strings.Contains(s, "account") {
				t.Fatalf("schema lacks account:\n%s", s)
			}
		})
	}
}
