package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

// HandEditMarker starts the comment of every section an import could not
// fill; search for it to find what is left to do.
const HandEditMarker = "-- HAND-EDIT:"

// File is one Retort revision script an import produces.
type File struct {
	// Name is the file name within the output folder.
	Name string
	// Data is the script text.
	Data []byte
	// Revision is the script's header.
	Revision revgraph.Revision
	// Source is the path of the file it was made from.
	Source string
}

// Result is what an import produces.
type Result struct {
	// Files are the scripts, one per revision of the source, sorted by
	// name.
	Files []File
	// HandEdit names, one line each, the revisions written as
	// placeholders and why ("3 (00003_seed.go): a goose Go migration").
	HandEdit []string
	// Notes are other things the user should know (a transaction=false
	// chosen, BEGIN/COMMIT removed).
	Notes []string
}

// ParseError reports a source file that cannot be read as the tool
// defines it. Line is 0 when the problem is the file as a whole.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// ErrAlreadyImported is wrapped by [Write] when the output folder already
// holds a file or a revision the import would write.
var ErrAlreadyImported = errors.New("already imported")

// section is the SQL of one direction of a revision being built.
type section struct {
	sql  string
	noTx bool
	// comment lines written before the SQL (without "-- ").
	comment []string
	// absent leaves the section out: an irreversible revision.
	absent bool
}

// render writes a Retort script: the header of rev, comment lines, and the
// two sections.
func render(rev revgraph.Revision, createDate string, header []string, up, down section) []byte {
	var b strings.Builder
	dir := func(name, value string) {
		b.WriteString("-- migrate:" + name)
		if value != "" {
			b.WriteString(" " + value)
		}
		b.WriteByte('\n')
	}
	dir("revision", rev.ID)
	dir("down_revision", strings.Join(rev.Down, ", "))
	if len(rev.BranchLabels) > 0 {
		dir("branch_labels", strings.Join(rev.BranchLabels, ", "))
	}
	if len(rev.DependsOn) > 0 {
		dir("depends_on", strings.Join(rev.DependsOn, ", "))
	}
	if m := oneLine(rev.Message); m != "" {
		dir("message", m)
	}
	if d := oneLine(createDate); d != "" {
		dir("create_date", d)
	}
	for _, h := range header {
		b.WriteString(commentLine(h))
	}
	sec := func(name string, s section) {
		if s.absent {
			return
		}
		b.WriteByte('\n')
		if s.noTx {
			dir(name, "transaction=false")
		} else {
			dir(name, "")
		}
		for _, c := range s.comment {
			b.WriteString(oneLine(c) + "\n") // our own text: HandEditMarker lines
		}
		if sql := strings.TrimSpace(s.sql); sql != "" {
			b.WriteString(sql + "\n")
		}
	}
	sec("upgrade", up)
	sec("downgrade", down)
	return []byte(b.String())
}

// commentLine renders one line of a comment so that it can never read as a
// directive.
func commentLine(s string) string {
	if s == "" {
		return "--\n"
	}
	return "-- | " + strings.TrimRight(s, " \t\r") + "\n"
}

func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s))
}

// finish checks every file parses back to its revision and that the files
// form a valid graph, then sorts them.
func finish(r *Result) (*Result, error) {
	revs := make([]revgraph.Revision, 0, len(r.Files))
	var errs []error
	for i := range r.Files {
		f := &r.Files[i]
		parsed, err := script.Parse(f.Name, f.Data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: the converted script does not parse: %w", f.Source, err))
			continue
		}
		rev := parsed.Revision
		rev.Origin = f.Source
		revs = append(revs, rev)
	}
	if len(errs) == 0 {
		if _, err := revgraph.New(revs); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Name < r.Files[j].Name })
	sort.Strings(r.HandEdit)
	return r, nil
}

// Write writes r's files into dir, creating it. Before writing anything it
// checks that no file of r exists in dir and that no script already in dir
// declares one of r's revisions; either means an earlier import, an error
// wrapping [ErrAlreadyImported] unless force is set, which overwrites the
// files of the same name (a script of another name holding the same
// revision is still an error: the folder would hold it twice).
func Write(dir string, r *Result, force bool) error {
	ids := map[string]string{}
	names := map[string]bool{}
	for _, f := range r.Files {
		ids[f.Revision.ID] = f.Name
		names[f.Name] = true
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".sql") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if names[rel] && !force {
			return fmt.Errorf("%w: %s exists (pass --force to overwrite it)", ErrAlreadyImported, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sf, err := script.Parse(rel, data)
		if err != nil {
			return nil // not a Retort script; not ours to judge
		}
		if name, ok := ids[sf.Revision.ID]; ok && (name != rel || !force) {
			if name == rel {
				return fmt.Errorf("%w: %s already declares revision %s (pass --force to overwrite it)", ErrAlreadyImported, p, sf.Revision.ID)
			}
			return fmt.Errorf("%w: %s already declares revision %s, which the import writes to %s", ErrAlreadyImported, p, sf.Revision.ID, name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, f := range r.Files {
		if err := writeAtomic(filepath.Join(dir, f.Name), f.Data); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file and a rename,
// so that a reader never sees half a script.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
