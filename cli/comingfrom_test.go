package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestComingFromWorkedExample runs the worked example of
// docs/coming-from.md as written, with the real Alembic and the migrate
// binary, and checks what the text says it prints.
func TestComingFromWorkedExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testdataRoot, "..", "..", "docs", "coming-from.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- worked-example -->\n```sh\n")
	if !ok {
		t.Fatal("docs/coming-from.md has no worked example")
	}
	script, _, ok := strings.Cut(rest, "\n```\n")
	if !ok {
		t.Fatal("the worked example's code block does not end")
	}

	bin := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(bin, "migrate"), "./cmd/migrate")
	build.Dir = filepath.Join(testdataRoot, "..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build migrate: %v\n%s", err, out)
	}
	shim := "#!/bin/sh\nexec " + alembicPython + " -m alembic \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "alembic"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "MIGRATE_URL=", "DATABASE_URL=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("worked example: %v\n%s", err, out)
	}
	for _, want := range []string{
		"imported 1 revisions from alembic.ini into alembic/versions",
		"alembic_version is Retort's version table already (at c001): nothing to record",
		"c001 (head)",
		"upgraded 1 revision",
		"c001 -> c002 (head), add email",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rows, err := exec.CommandContext(t.Context(), "sqlite3", filepath.Join(work, "app.db"), "SELECT version_num FROM alembic_version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(rows)) != "c002" {
		t.Fatalf("alembic_version: %q %v", rows, err)
	}
}
