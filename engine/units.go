package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

// body is what runs for one direction of one revision: SQL statements from
// a script, or a Go function.
type body struct {
	noTx       bool
	checksum   string // script sections only
	statements []script.Statement
	fn         func(Conn) error
}

// unit is one revision with its upgrade and downgrade bodies. down is nil
// for an irreversible revision.
type unit struct {
	rev        revgraph.Revision
	path       string
	up, down   *body
	upChecksum string
}

// doneChecksum is the checksum of the body's first n statements, which an
// interrupted section's history row carries.
func (b *body) doneChecksum(n int) string {
	if b.fn != nil {
		return ""
	}
	return script.Checksum(b.statements[:min(n, len(b.statements))])
}

// checksumOrEmpty is the body's checksum; a Go function has none.
func (b *body) checksumOrEmpty() string {
	if b == nil {
		return ""
	}
	return b.checksum
}

// commitsImplicitly reports whether a script body holds a statement that a
// database without transactional DDL commits implicitly (anything but
// plain DML: INSERT, UPDATE, DELETE, REPLACE, SELECT, WITH, VALUES, SET or
// DO). Go functions cannot be inspected and report false.
func (b *body) commitsImplicitly() bool {
	for _, st := range b.statements {
		if !isDML(st.SQL) {
			return true
		}
	}
	return false
}

// isDML reports whether a statement's first keyword, past comments and a
// MySQL version comment's opening, names a data statement.
func isDML(sql string) bool {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n(")
		switch {
		case strings.HasPrefix(sql, "/*!"), strings.HasPrefix(sql, "/*M!"):
			sql = strings.TrimLeft(sql[strings.IndexByte(sql, '!')+1:], "0123456789")
			continue
		case strings.HasPrefix(sql, "/*"):
			end := strings.Index(sql, "*/")
			if end < 0 {
				return false
			}
			sql = sql[end+2:]
			continue
		case strings.HasPrefix(sql, "--"), strings.HasPrefix(sql, "#"):
			end := strings.IndexByte(sql, '\n')
			if end < 0 {
				return false
			}
			sql = sql[end+1:]
			continue
		}
		break
	}
	end := 0
	for end < len(sql) && (sql[end] >= 'a' && sql[end] <= 'z' || sql[end] >= 'A' && sql[end] <= 'Z') {
		end++
	}
	switch strings.ToUpper(sql[:end]) {
	case "INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT", "WITH", "VALUES", "SET", "DO":
		return true
	}
	return false
}

// count is the number of steps of a body: its statements, or 1 for a Go
// function.
func (b *body) count() int {
	if b.fn != nil {
		return 1
	}
	return len(b.statements)
}

func (u *unit) body(d revgraph.Direction) *body {
	if d == revgraph.Down {
		return u.down
	}
	return u.up
}

// catalog is the loaded migration set: the graph and each revision's bodies.
type catalog struct {
	graph *revgraph.Graph
	units map[string]*unit
}

func sectionBody(s *script.Section) *body {
	if s == nil {
		return nil
	}
	return &body{noTx: s.NoTx, statements: s.Statements, checksum: s.Checksum}
}

// syntaxOf returns the statement syntax of the database cfg names, as far as
// it can be known without connecting: the dialect of cfg's Conn or Pool, of
// Config.Dialect in offline mode, or of the URL through the Opener. It falls
// back to the standard syntax, and leaves errors to Open.
func syntaxOf(cfg *Config) script.Syntax {
	var d adapter.Dialect
	switch {
	case cfg.Conn != nil:
		d = cfg.Conn.Dialect()
	case cfg.Pool != nil:
		d = cfg.Pool.Dialect()
	case cfg.Opener != nil:
		name := cfg.URL
		if cfg.Offline != nil && cfg.Dialect != "" {
			name = cfg.Dialect
		}
		if name == "" {
			name = DefaultURL
		}
		d, _ = cfg.Opener.Dialect(name)
	}
	if d == nil {
		return script.SyntaxStandard
	}
	return script.SyntaxFor(d.Name())
}

// loadCatalog reads the scripts and Go revisions of cfg and builds the graph.
// Statements are split by the syntax of cfg's database (see syntaxOf).
// With headersOnly it reads each script's header only (script.LoadHeaders):
// enough for the graph, not for running.
func loadCatalog(cfg *Config, headersOnly bool) (*catalog, error) {
	fsys := cfg.Scripts
	if fsys == nil {
		fsys = os.DirFS("migrations")
	}
	dir := cfg.ScriptDir
	if dir == "" {
		dir = "."
	}
	var files []*script.File
	if cfg.Scripts != nil || len(cfg.GoRevisions) == 0 || dirExists(fsys, dir) {
		var err error
		if headersOnly {
			files, err = script.LoadHeaders(fsys, dir)
		} else {
			files, err = script.LoadSyntax(fsys, dir, syntaxOf(cfg))
		}
		if err != nil {
			return nil, nameScriptDir(err, cfg, dir)
		}
	}
	revs := make([]revgraph.Revision, 0, len(files)+len(cfg.GoRevisions))
	units := make(map[string]*unit, cap(revs))
	for _, f := range files {
		revs = append(revs, f.Revision)
		u := &unit{rev: f.Revision, path: f.Path, up: sectionBody(f.Upgrade), down: sectionBody(f.Downgrade)}
		if u.up != nil {
			u.upChecksum = u.up.checksum
		}
		units[f.Revision.ID] = u
	}
	var errs []error
	for i := range cfg.GoRevisions {
		g := &cfg.GoRevisions[i]
		rev := g.Revision
		if rev.Origin == "" {
			rev.Origin = "go revision " + rev.ID
		}
		if g.Up == nil {
			errs = append(errs, fmt.Errorf("go revision %s: Up is nil", rev.ID))
			continue
		}
		u := &unit{rev: rev, up: &body{noTx: g.UpNoTx, fn: g.Up}}
		if g.Down != nil {
			u.down = &body{noTx: g.DownNoTx, fn: g.Down}
		}
		revs = append(revs, rev)
		if _, dup := units[rev.ID]; !dup {
			units[rev.ID] = u
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	g, err := revgraph.New(revs)
	if err != nil {
		return nil, err
	}
	return &catalog{graph: g, units: units}, nil
}

// nameScriptDir makes an error about the script folder itself name it as
// the caller gave it: "migrations" for the default source, and the root of
// Config.Scripts instead of a bare ".".
func nameScriptDir(err error, cfg *Config, dir string) error {
	var se *script.Error
	if !errors.As(err, &se) || se.Path != dir || se.Line != 0 {
		return err
	}
	switch {
	case cfg.Scripts == nil:
		se.Path = path.Join("migrations", dir)
	case dir == ".":
		se.Path = ". (the root of Config.Scripts)"
	}
	return err
}

func dirExists(fsys fs.FS, dir string) bool {
	fi, err := fs.Stat(fsys, dir)
	return err == nil && fi.IsDir()
}

type scriptStatement = script.Statement
