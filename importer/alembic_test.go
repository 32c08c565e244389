package importer_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/retort-sql/retort/engine"
	"github.com/retort-sql/retort/importer"
	"github.com/retort-sql/retort/internal/pgtest"
	"github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/script"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// python is the interpreter with Alembic installed.
const python = "/usr/bin/python3"

// alembicCmd runs the real alembic command line in dir.
func alembicCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), python, append([]string{"-m", "alembic"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("alembic %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var (
	upgradeBody   = regexp.MustCompile(`(?s)def upgrade\(\)( -> None)?:\n    pass\n`)
	downgradeBody = regexp.MustCompile(`(?s)def downgrade\(\)( -> None)?:\n    pass\n`)
)

// fillRevision replaces the empty upgrade() and downgrade() of the file
// `alembic revision` wrote for id.
func fillRevision(t *testing.T, dir, id, up, down string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "alembic", "versions", id+"_*.py"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("revision file of %s: %v %v", id, matches, err)
	}
	data, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	text := upgradeBody.ReplaceAllLiteralString(string(data), "def upgrade():\n"+indent(up))
	text = downgradeBody.ReplaceAllLiteralString(text, "def downgrade():\n"+indent(down))
	if err := os.WriteFile(matches[0], []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func indent(body string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

// alembicProject creates, with the real alembic commands, a project with a
// branch carrying a label, a depends_on across branches, batch operations
// and a merge:
//
//	a001 ─┬─ a002 ─────────────┬─ a005 (merge)
//	      └─ a003 (billing) ─ a004 (depends_on a002)
func alembicProject(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	alembicCmd(t, dir, "init", "alembic")
	ini := filepath.Join(dir, "alembic.ini")
	data, _ := os.ReadFile(ini)
	data = regexp.MustCompile(`(?m)^sqlalchemy.url = .*$`).ReplaceAll(data, []byte("sqlalchemy.url = "+strings.ReplaceAll(url, "%", "%%")))
	if err := os.WriteFile(ini, data, 0o644); err != nil {
		t.Fatal(err)
	}
	alembicCmd(t, dir, "revision", "-m", "create account", "--rev-id", "a001")
	fillRevision(t, dir, "a001", `
op.create_table(
    "account",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("created", sa.DateTime, server_default=sa.func.current_timestamp()),
)
op.create_index("ix_account_name", "account", ["name"], unique=True)`, `
op.drop_index("ix_account_name", table_name="account")
op.drop_table("account")`)
	alembicCmd(t, dir, "revision", "-m", "add email", "--rev-id", "a002", "--head", "a001")
	fillRevision(t, dir, "a002", `
op.add_column("account", sa.Column("email", sa.String(100)))
op.execute("UPDATE account SET email = name || '@example.com'")`, `
with op.batch_alter_table("account") as batch:
    batch.drop_column("email")`)
	alembicCmd(t, dir, "revision", "-m", "billing root", "--rev-id", "a003", "--head", "a001", "--splice", "--branch-label", "billing")
	fillRevision(t, dir, "a003", `
op.create_table(
    "invoice",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    sa.Column("total", sa.Numeric(10, 2), nullable=False, server_default="0"),
)`, `op.drop_table("invoice")`)
	alembicCmd(t, dir, "revision", "-m", "invoice note", "--rev-id", "a004", "--head", "billing@head", "--depends-on", "a002")
	fillRevision(t, dir, "a004", `
with op.batch_alter_table("invoice") as batch:
    batch.add_column(sa.Column("note", sa.Text))
op.create_index("ix_invoice_account", "invoice", ["account_id"])`, `
op.drop_index("ix_invoice_account", table_name="invoice")
with op.batch_alter_table("invoice") as batch:
    batch.drop_column("note")`)
	alembicCmd(t, dir, "merge", "-m", "join billing", "--rev-id", "a005", "a002", "a004")
	fillRevision(t, dir, "a005", `
op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True), sa.Column("what", sa.Text))
op.bulk_insert(sa.table("audit", sa.column("what", sa.Text)), [{"what": "it's merged"}])`, `op.drop_table("audit")`)
	return dir
}

// upgradeRetort applies the scripts of dir to url with the engine, up to
// heads.
func upgradeRetort(t *testing.T, url, dir string) {
	t.Helper()
	e, err := open.Engine(t.Context(), engine.Config{URL: url, Scripts: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Upgrade(t.Context(), "heads"); err != nil {
		t.Fatal(err)
	}
}

func importAlembic(t *testing.T, ctx context.Context, src, dialect string) (string, *importer.Result) {
	t.Helper()
	r, err := importer.Alembic(ctx, src, importer.AlembicOptions{Python: python, Dialect: dialect})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := importer.Write(out, r, false); err != nil {
		t.Fatal(err)
	}
	return out, r
}

// checkGraph checks that the imported scripts keep Alembic's graph.
func checkGraph(t *testing.T, r *importer.Result, handEdit ...string) {
	t.Helper()
	want := map[string]string{
		"a001": "down= labels= deps= msg=create account",
		"a002": "down=a001 labels= deps= msg=add email",
		"a003": "down=a001 labels=billing deps= msg=billing root",
		"a004": "down=a003 labels= deps=a002 msg=invoice note",
		"a005": "down=a002,a004 labels= deps= msg=join billing",
	}
	if len(r.Files) != len(want) || len(r.HandEdit) != len(handEdit) {
		t.Fatalf("%d files, hand-edit %q", len(r.Files), r.HandEdit)
	}
	for i, h := range handEdit {
		if !strings.HasPrefix(r.HandEdit[i], h) {
			t.Errorf("HandEdit[%d] = %q, want %q…", i, r.HandEdit[i], h)
		}
	}
	for _, f := range r.Files {
		sf, err := script.Parse(f.Name, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		rv := sf.Revision
		got := "down=" + strings.Join(rv.Down, ",") + " labels=" + strings.Join(rv.BranchLabels, ",") +
			" deps=" + strings.Join(rv.DependsOn, ",") + " msg=" + rv.Message
		if got != want[rv.ID] {
			t.Errorf("%s: %s, want %s", rv.ID, got, want[rv.ID])
		}
		if sf.CreateDate == "" {
			t.Errorf("%s: no create_date", rv.ID)
		}
	}
}

// TestAlembicImportSQLite builds the schema twice on SQLite, once with
// `alembic upgrade heads` and once with the imported revisions, and
// compares them; then walks the imported revisions down to base.
func TestAlembicImportSQLite(t *testing.T) {
	work := t.TempDir()
	ref := filepath.Join(work, "ref.db")
	dir := alembicProject(t, "sqlite:///"+ref)
	alembicCmd(t, dir, "upgrade", "heads")

	out, r := importAlembic(t, t.Context(), filepath.Join(dir, "alembic.ini"), "sqlite")
	// Batch drop_column must reflect the table on SQLite: only those two
	// downgrades are left to write by hand.
	checkGraph(t, r, "a002 (alembic/versions/a002_add_email.py): downgrade() cannot render offline: CommandError",
		"a004 (alembic/versions/a004_invoice_note.py): downgrade() cannot render offline: CommandError")
	got := filepath.Join(work, "retort.db")
	upgradeRetort(t, "sqlite:"+got, out)
	if a, b := sqliteSchema(t, ref), sqliteSchema(t, got); a != b {
		t.Fatalf("schemas differ\n--- alembic upgrade heads\n%s\n--- imported\n%s", a, b)
	}
	if rows := sqliteQuery(t, got, "SELECT what FROM audit"); rows != "it's merged" {
		t.Errorf("audit rows %q", rows)
	}

	// The versions folder alone works too.
	if _, err := importer.Alembic(t.Context(), filepath.Join(dir, "alembic", "versions"), importer.AlembicOptions{Python: python, Dialect: "sqlite"}); err != nil {
		t.Fatal(err)
	}

	e, err := open.Engine(t.Context(), engine.Config{URL: "sqlite:" + got, Scripts: os.DirFS(out)})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Downgrade(t.Context(), "base"); err != nil {
		t.Fatal(err)
	}
	if s := sqliteQuery(t, got, "SELECT name FROM sqlite_master WHERE name IN ('account', 'invoice', 'audit')"); s != "" {
		t.Errorf("tables left after downgrade base: %q", s)
	}
}

func sqliteQuery(t *testing.T, db, q string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "sqlite3", db, q).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3 %s: %v\n%s", q, err, out)
	}
	return strings.TrimSpace(string(out))
}

// sqliteSchema lists the schema objects of db other than version and
// history tables, with runs of white space made one space: Alembic
// indents CREATE TABLE with tabs online and with spaces offline.
func sqliteSchema(t *testing.T, db string) string {
	t.Helper()
	return strings.Join(strings.Fields(sqliteQuery(t, db, "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master "+
		"WHERE name NOT LIKE 'alembic_%' AND name NOT LIKE 'migrate_%' AND name NOT LIKE 'sqlite_%' ORDER BY name")), " ")
}

// TestAlembicImportPostgres builds the schema on PostgreSQL with
// `alembic upgrade heads` and with the imported revisions, and compares
// pg_dump --schema-only of both.
func TestAlembicImportPostgres(t *testing.T) {
	refURL, gotURL := pgtest.URL(t), pgtest.URL(t)
	dir := alembicProject(t, "postgresql://"+strings.TrimPrefix(strings.TrimPrefix(refURL, "postgresql://"), "postgres://"))
	if exec.CommandContext(t.Context(), python, "-c", "import psycopg2").Run() == nil {
		alembicCmd(t, dir, "upgrade", "heads")
	} else {
		// No PostgreSQL driver for Python: Alembic's own offline SQL for
		// the whole run, applied by psql, is the reference.
		t.Log("python3-psycopg2 is not installed: the reference is `alembic upgrade heads --sql` through psql")
		sql := alembicCmd(t, dir, "upgrade", "heads", "--sql")
		psql := exec.CommandContext(t.Context(), "psql", "-v", "ON_ERROR_STOP=1", "-q", refURL)
		psql.Stdin = strings.NewReader(sql)
		if out, err := psql.CombinedOutput(); err != nil {
			t.Fatalf("psql: %v\n%s", err, out)
		}
	}
	out, r := importAlembic(t, t.Context(), filepath.Join(dir, "alembic.ini"), "postgresql")
	checkGraph(t, r)
	upgradeRetort(t, gotURL, out)
	if a, b := pgSchema(t, refURL), pgSchema(t, gotURL); a != b {
		t.Fatalf("schemas differ\n--- alembic upgrade heads\n%s\n--- imported\n%s", a, b)
	}
}

// pgSchema is pg_dump --schema-only of url without the version and
// history tables, comments and blank lines.
func pgSchema(t *testing.T, url string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "pg_dump", "--schema-only", "--no-owner", "--no-privileges",
		"-T", "alembic_version", "-T", "migrate_*", url).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	var kept []string
	for _, l := range strings.Split(string(out), "\n") {
		// \restrict and \unrestrict carry a random key per dump.
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") && !strings.HasPrefix(l, `\restrict`) && !strings.HasPrefix(l, `\unrestrict`) {
			kept = append(kept, l)
		}
	}
	if !slices.ContainsFunc(kept, func(l string) bool { return strings.Contains(l, "CREATE TABLE public.invoice") }) {
		t.Fatalf("pg_dump shows no invoice table:\n%s", out)
	}
	return strings.Join(kept, "\n")
}

// TestAlembicUnrenderable checks that a revision that reads the database
// or branches on offline mode is written as a placeholder with its Python
// source, and named.
func TestAlembicUnrenderable(t *testing.T) {
	dir := t.TempDir()
	alembicCmd(t, dir, "init", "alembic")
	alembicCmd(t, dir, "revision", "-m", "base", "--rev-id", "b001")
	fillRevision(t, dir, "b001", `op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))`, `op.drop_table("t")`)
	alembicCmd(t, dir, "revision", "-m", "reads rows", "--rev-id", "b002")
	fillRevision(t, dir, "b002", `
conn = op.get_bind()
for (n,) in conn.execute(sa.text("SELECT id FROM t")):
    op.execute("INSERT INTO t VALUES (%d)" % (n + 100))`, `pass`)
	alembicCmd(t, dir, "revision", "-m", "offline aware", "--rev-id", "b003")
	fillRevision(t, dir, "b003", `
from alembic import context
if not context.is_offline_mode():
    op.execute("SELECT 1")`, `pass`)
	alembicCmd(t, dir, "revision", "-m", "batch drop", "--rev-id", "b004")
	fillRevision(t, dir, "b004", `
with op.batch_alter_table("t") as batch:
    batch.alter_column("id", new_column_name="ident")`, `pass`)

	r, err := importer.Alembic(t.Context(), filepath.Join(dir, "alembic.ini"), importer.AlembicOptions{Python: python, Dialect: "sqlite"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.HandEdit) != 3 {
		t.Fatalf("hand-edit %q, want b002, b003, b004", r.HandEdit)
	}
	for i, want := range []string{"b002 (alembic/versions/b002_reads_rows.py): reads the database or branches on offline mode: op.get_bind()",
		"b003 (alembic/versions/b003_offline_aware.py): reads the database or branches on offline mode: context.is_offline_mode()",
		"b004 (alembic/versions/b004_batch_drop.py): upgrade() cannot render offline"} {
		if !strings.HasPrefix(r.HandEdit[i], want) {
			t.Errorf("HandEdit[%d] = %q, want %q…", i, r.HandEdit[i], want)
		}
	}
	for _, f := range r.Files {
		text := string(f.Data)
		sf, err := script.Parse(f.Name, f.Data)
		if err != nil {
			t.Fatal(err)
		}
		if f.Revision.ID == "b001" {
			if strings.Contains(text, importer.HandEditMarker) || len(sf.Upgrade.Statements) != 1 {
				t.Errorf("b001 was rendered wrongly:\n%s", text)
			}
			continue
		}
		if f.Revision.ID == "b004" {
			// Only upgrade() fails; downgrade() is a plain pass.
			if !strings.Contains(text, "-- migrate:upgrade\n"+importer.HandEditMarker) || strings.Count(text, importer.HandEditMarker) != 1 {
				t.Errorf("b004 placeholder:\n%s", text)
			}
		}
		if !strings.Contains(text, importer.HandEditMarker) || len(sf.Upgrade.Statements) != 0 || sf.Downgrade == nil {
			t.Errorf("%s is no placeholder:\n%s", f.Revision.ID, text)
		}
		if !strings.Contains(text, "-- | def upgrade():") {
			t.Errorf("%s lacks its Python source:\n%s", f.Revision.ID, text)
		}
	}
}

// TestAlembicNoAlembic checks the error for an interpreter without Alembic.
func TestAlembicNoAlembic(t *testing.T) {
	dir := t.TempDir()
	alembicCmd(t, dir, "init", "alembic")
	bare := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(bare, []byte("#!/bin/sh\necho \"ModuleNotFoundError: No module named 'alembic'\" >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := importer.Alembic(t.Context(), filepath.Join(dir, "alembic.ini"), importer.AlembicOptions{Python: bare})
	if err == nil || !strings.Contains(err.Error(), "has no Alembic") {
		t.Fatalf("err %v", err)
	}
}
