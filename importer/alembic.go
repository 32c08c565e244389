package importer

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

//go:embed alembic_render.py
var alembicRender []byte

// AlembicOptions configures [Alembic].
type AlembicOptions struct {
	// Python is the interpreter that has Alembic installed; default
	// "python3".
	Python string
	// Dialect is the SQLAlchemy dialect the SQL is rendered for:
	// "postgresql" (default), "sqlite" or "mysql". "postgres" is taken
	// for "postgresql".
	Dialect string
}

// ErrNoAlembic is wrapped by [Alembic] when the interpreter cannot import
// Alembic.
var ErrNoAlembic = errors.New("the Python interpreter has no Alembic")

// alembicRevision is one revision as the Python driver reports it.
type alembicRevision struct {
	Revision     string   `json:"revision"`
	DownRevision []string `json:"down_revision"`
	BranchLabels []string `json:"branch_labels"`
	DependsOn    []string `json:"depends_on"`
	Message      string   `json:"message"`
	CreateDate   string   `json:"create_date"`
	Path         string   `json:"path"`
	UpgradeSQL   string   `json:"upgrade_sql"`
	DowngradeSQL string   `json:"downgrade_sql"`
	UpgradeErr   string   `json:"upgrade_error"`
	DowngradeErr string   `json:"downgrade_error"`
	Source       string   `json:"source"`
}

// Alembic converts an Alembic project into Retort revisions with the same
// ids, down_revisions, branch labels, depends_on and messages. src is the
// project's alembic.ini (its [alembic] section says where the revisions
// are; relative paths in it are taken from the file's folder) or a folder
// of revision files. The SQL of each section is what Alembic itself
// renders offline (`alembic upgrade --sql`) for the dialect, one revision
// at a time, so op.create_table, op.add_column, op.execute and batch
// operations come out exactly as Alembic would run them. A revision that
// cannot render offline, because it reads the database (op.get_bind()) or
// branches on context.is_offline_mode(), is written with its Python source
// as a comment and empty sections marked for hand-editing, and named in
// [Result.HandEdit].
func Alembic(ctx context.Context, src string, opts AlembicOptions) (*Result, error) {
	python := opts.Python
	if python == "" {
		python = "python3"
	}
	dialect := opts.Dialect
	switch dialect {
	case "", "postgres", "postgresql":
		dialect = "postgresql"
	case "sqlite", "mysql":
	case "mariadb":
		dialect = "mysql"
	default:
		return nil, fmt.Errorf("alembic import: unknown dialect %q (want postgresql, sqlite or mysql)", opts.Dialect)
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("alembic project: %w", err)
	}
	workdir := filepath.Dir(abs)
	if st.IsDir() {
		workdir = abs
	}
	tmp, err := os.CreateTemp("", "retort-alembic-*.py")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(alembicRender); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, python, tmp.Name(), abs, dialect)
	cmd.Dir = workdir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := lastLine(stderr.String())
		if strings.Contains(msg, "No module named 'alembic'") {
			return nil, fmt.Errorf("%w: %s (pass the interpreter of the project's environment)", ErrNoAlembic, python)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("alembic import: %w", ctx.Err())
		}
		return nil, fmt.Errorf("alembic import: %s could not load the project %s: %s", python, src, msg)
	}
	var out struct {
		Alembic   string            `json:"alembic"`
		Revisions []alembicRevision `json:"revisions"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("alembic import: reading the rendered revisions: %w", err)
	}
	if len(out.Revisions) == 0 {
		return nil, fmt.Errorf("alembic import: %s holds no revision", src)
	}
	r := &Result{}
	var errs []error
	for _, ar := range out.Revisions {
		f, err := alembicFile(ar, workdir, out.Alembic, dialect)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case ar.UpgradeErr != "" && ar.UpgradeErr == ar.DowngradeErr:
			r.HandEdit = append(r.HandEdit, fmt.Sprintf("%s (%s): %s", ar.Revision, f.Source, ar.UpgradeErr))
		case ar.UpgradeErr != "" || ar.DowngradeErr != "":
			for _, e := range []string{ar.UpgradeErr, ar.DowngradeErr} {
				if e != "" {
					r.HandEdit = append(r.HandEdit, fmt.Sprintf("%s (%s): %s", ar.Revision, f.Source, e))
				}
			}
		}
		r.Files = append(r.Files, f)
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return finish(r)
}

func alembicFile(ar alembicRevision, workdir, version, dialect string) (File, error) {
	path := ar.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(workdir, path)
	}
	if rel, err := filepath.Rel(workdir, path); err == nil {
		path = rel
	}
	if !script.ValidID(ar.Revision) {
		return File{}, &ParseError{Path: path, Msg: fmt.Sprintf("revision id %q is not a Retort id (letters, digits and _)", ar.Revision)}
	}
	for _, l := range append(append([]string{}, ar.BranchLabels...), ar.DependsOn...) {
		if !script.ValidLabel(l) {
			return File{}, &ParseError{Path: path, Msg: fmt.Sprintf("branch label or depends_on %q is not a Retort label (letters, digits, _ - .)", l)}
		}
	}
	rev := revgraph.Revision{ID: ar.Revision, Down: ar.DownRevision, BranchLabels: ar.BranchLabels, DependsOn: ar.DependsOn, Message: ar.Message}
	header := []string{fmt.Sprintf("Imported from %s, rendered for %s by Alembic %s offline.", filepath.ToSlash(path), dialect, version)}
	up := section{sql: ar.UpgradeSQL}
	down := section{sql: ar.DowngradeSQL}
	if ar.UpgradeErr != "" {
		up = section{comment: []string{HandEditMarker + " " + ar.UpgradeErr + "; write this section's SQL by hand."}}
	}
	if ar.DowngradeErr != "" {
		down = section{comment: []string{HandEditMarker + " " + ar.DowngradeErr + "; write this section's SQL by hand."}}
	}
	if ar.UpgradeErr != "" || ar.DowngradeErr != "" {
		header = append(header, "", "Alembic source:", "")
		header = append(header, strings.Split(strings.TrimRight(ar.Source, "\n"), "\n")...)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".sql"
	return File{Name: name, Data: render(rev, ar.CreateDate, header, up, down), Revision: rev, Source: path}, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
