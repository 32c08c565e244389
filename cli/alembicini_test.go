package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/retort-sql/retort/cli"
)

// alembicPython is the interpreter that has Alembic installed.
const alembicPython = "/usr/bin/python3"

// alembicInit runs the real `alembic init` in dir, with template, and
// returns the path of the alembic.ini it wrote.
func alembicInit(t *testing.T, dir, template string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), alembicPython, "-m", "alembic", "init", "--template", template, "alembic")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("alembic init: %v\n%s", err, out)
	}
	return filepath.Join(dir, "alembic.ini")
}

// setINIKey replaces the value of key in an INI file, as a user edits it.
func setINIKey(t *testing.T, path, key, value string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` = .*$`)
	if !re.Match(data) {
		data = []byte(strings.Replace(string(data), "[alembic]\n", "[alembic]\n"+key+" = "+value+"\n", 1))
	} else {
		data = re.ReplaceAllLiteral(data, []byte(key+" = "+value))
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

const alembicINIScript = "-- migrate:revision a1e0\n\n-- migrate:upgrade\nCREATE TABLE from_ini (id integer);\n"

// TestAlembicINIConfig reads the alembic.ini that `alembic init` writes:
// sqlalchemy.url with %(here)s, script_location (the revisions live in its
// versions folder), the alembic_version table, and the environment
// overrides.
func TestAlembicINIConfig(t *testing.T) {
	dir := inTemp(t)
	ini := alembicInit(t, dir, "generic")
	setINIKey(t, ini, "sqlalchemy.url", "sqlite:///%(here)s/app.db")
	writeFile(t, "alembic/versions/a1e0_from_ini.sql", alembicINIScript)

	r := run(t, nil, "--config", "alembic.ini", "--log-level", "debug", "--log-format", "json", "upgrade", "head")
	if r.code != cli.ExitOK {
		t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`"url":"sqlite:` + filepath.Join(dir, "app.db") + `"`, `ignoring key \"prepend_sys_path\" of [alembic]`, `ignoring section [loggers]`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("debug log lacks %s:\n%s", want, r.stderr)
		}
	}
	out, err := exec.CommandContext(t.Context(), "sqlite3", filepath.Join(dir, "app.db"), "SELECT version_num FROM alembic_version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "a1e0" {
		t.Fatalf("alembic_version: %q, %v", out, err)
	}

	// Found without --config, as migrate.toml is.
	r = run(t, nil, "current", "-v")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Rev: a1e0 (head)") || !strings.Contains(r.stdout, "sqlite:"+filepath.Join(dir, "app.db")) {
		t.Fatalf("current without --config: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}

	// DATABASE_URL and MIGRATE_URL override sqlalchemy.url.
	r = run(t, env{"DATABASE_URL": "sqlite:other.db"}, "current")
	if r.code != cli.ExitOK || strings.Contains(r.stdout, "a1e0") {
		t.Fatalf("DATABASE_URL override: exit %d: %q %s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat("other.db"); err != nil {
		t.Fatalf("DATABASE_URL not used: %v", err)
	}

	// version_table, when the project names one, replaces alembic_version.
	setINIKey(t, ini, "version_table", "custom_version")
	setINIKey(t, ini, "sqlalchemy.url", "sqlite:///custom.db")
	if r := run(t, nil, "upgrade"); r.code != cli.ExitOK {
		t.Fatalf("upgrade with version_table: exit %d: %s", r.code, r.stderr)
	}
	out, err = exec.CommandContext(t.Context(), "sqlite3", filepath.Join(dir, "custom.db"), "SELECT version_num FROM custom_version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "a1e0" {
		t.Fatalf("custom_version: %q, %v", out, err)
	}
}

// TestPyprojectConfig reads [tool.alembic] of a pyproject.toml (Alembic
// 1.16's layout) with the URL in the alembic.ini beside it, and alone.
func TestPyprojectConfig(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, "pyproject.toml", "[project]\nname = \"app\"\n\n[tool.alembic]\nscript_location = \"%(here)s/db\"\nprepend_sys_path = [\".\"]\n\"sqlalchemy.url\" = \"sqlite:///py.db\"\n")
	writeFile(t, "db/versions/a1e0_from_ini.sql", alembicINIScript)
	r := run(t, nil, "--log-level", "debug", "--log-format", "json", "upgrade")
	if r.code != cli.ExitOK {
		t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, `pyproject.toml:6: ignoring key \"prepend_sys_path\" of [tool.alembic]`) {
		t.Errorf("no note about prepend_sys_path:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "py.db")); err != nil {
		t.Fatal(err)
	}
	// alembic.ini beside it holds the URL; pyproject.toml the layout.
	writeFile(t, "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite:///ini.db\n")
	if r := run(t, nil, "upgrade"); r.code != cli.ExitOK {
		t.Fatalf("upgrade with alembic.ini: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ini.db")); err != nil {
		t.Fatal(err)
	}
}

// TestAlembicConfigErrors checks that a broken alembic.ini or
// pyproject.toml is an error naming file:line.
func TestAlembicConfigErrors(t *testing.T) {
	inTemp(t)
	writeFile(t, "migrations/.keep", "")
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"no section", "a.ini", "sqlalchemy.url = sqlite:x.db\n", "a.ini:1: key before the first [section] header"},
		{"no delimiter", "b.ini", "[alembic]\nscript_location = x\njust words\n", "b.ini:3: expected key = value"},
		{"unclosed header", "c.ini", "# c\n[alembic\n", "c.ini:2: section header without ]"},
		{"duplicate key", "d.ini", "[alembic]\nsqlalchemy.url = a\n\nsqlalchemy.url = b\n", `d.ini:4: key "sqlalchemy.url" already set on line 2`},
		{"lone percent", "e.ini", "[alembic]\nsqlalchemy.url = postgresql://u:p%zz@h/db\n", "e.ini:2: sqlalchemy.url: a lone %"},
		{"unknown reference", "f.ini", "[alembic]\nscript_location = %(nowhere)s/alembic\n", "f.ini:2: script_location: %(nowhere)s names no option"},
		{"no alembic section", "g.ini", "[loggers]\nkeys = root\n", "g.ini: no [alembic] section"},
		{"package resource", "h.ini", "[alembic]\n\nscript_location = myapp:migrations\n", `h.ini:3: script_location "myapp:migrations" names a folder of a Python package`},
		{"bad toml", "pyproject.toml", "[tool.alembic]\nscript_location = \n", "pyproject.toml:2:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, tc.file, tc.text)
			r := run(t, nil, "--config", tc.file, "current")
			if r.code != cli.ExitFailure || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

// TestAlembicINIInterpolation checks ConfigParser's interpolation: other
// options, [DEFAULT], %% and continuation lines.
func TestAlembicINIInterpolation(t *testing.T) {
	dir := inTemp(t)
	writeFile(t, "alembic.ini", "[DEFAULT]\ndbname = inter\n\n[alembic]\nscript_location = %(here)s/mig\nbase = sqlite:///%(here)s\nsqlalchemy.url = %(base)s/%(dbname)s%%41.db\nversion_locations = %(here)s/mig/v1\n    %(here)s/mig/v2\n")
	writeFile(t, "mig/v1/a1e0.sql", alembicINIScript)
	if r := run(t, nil, "upgrade"); r.code != cli.ExitOK {
		t.Fatalf("upgrade: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "inter%41.db")); err != nil {
		t.Fatal(err)
	}
}

// TestAlembicEnvVersionTable takes the version table from env.py's
// context.configure when no key names one.
func TestAlembicEnvVersionTable(t *testing.T) {
	dir := inTemp(t)
	ini := alembicInit(t, dir, "generic")
	setINIKey(t, ini, "sqlalchemy.url", "sqlite:///env.db")
	env := filepath.Join(dir, "alembic", "env.py")
	data, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "target_metadata=target_metadata,", "target_metadata=target_metadata, version_table=\"app_alembic_version\",", 1)
	if text == string(data) {
		t.Fatal("env.py has no context.configure(target_metadata=target_metadata, …)")
	}
	writeFile(t, env, text)
	writeFile(t, "alembic/versions/a1e0_from_ini.sql", alembicINIScript)
	r := run(t, nil, "--log-level", "debug", "--log-format", "json", "upgrade")
	if r.code != cli.ExitOK || !strings.Contains(r.stderr, "version table app_alembic_version taken from context.configure") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out, err := exec.CommandContext(t.Context(), "sqlite3", filepath.Join(dir, "env.db"), "SELECT version_num FROM app_alembic_version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "a1e0" {
		t.Fatalf("app_alembic_version: %q, %v", out, err)
	}
}
