package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/retort-sql/retort/revgraph"
)

// gooseMigration is one file of a goose folder.
type gooseMigration struct {
	version int64
	name    string // the file name
	path    string // for messages
	isGo    bool
}

// versionID is the Retort id of a goose or golang-migrate version: its
// decimal number, so that it stays recognisable ("20240102150405", "3").
func versionID(v uint64) string { return strconv.FormatUint(v, 10) }

// Goose converts the goose migrations of dir (NNN_name.sql and NNN_name.go,
// as goose names them) into a linear chain of Retort revisions whose ids
// are the version numbers. A Go migration cannot be converted: it becomes a
// placeholder named in [Result.HandEdit]. Nothing is returned when any
// file fails to parse; every problem is reported at once.
func Goose(dir string) (*Result, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read goose migrations: %w", err)
	}
	var migs []gooseMigration
	var errs []error
	seen := map[int64]string{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || (ext != ".sql" && ext != ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		p := filepath.Join(dir, name)
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v < 1 {
			if ext == ".sql" {
				errs = append(errs, &ParseError{Path: p, Msg: "not a goose migration name (want VERSION_name.sql, VERSION a positive number)"})
			}
			continue // a .go file that is no migration (main.go, a helper)
		}
		if prev, dup := seen[v]; dup {
			errs = append(errs, &ParseError{Path: p, Msg: fmt.Sprintf("version %d is also %s", v, prev)})
			continue
		}
		seen[v] = name
		migs = append(migs, gooseMigration{version: v, name: name, path: p, isGo: ext == ".go"})
	}
	if len(migs) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s holds no goose migration (VERSION_name.sql)", dir)
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	r := &Result{}
	prev := ""
	for _, m := range migs {
		id := versionID(uint64(m.version))
		base := strings.TrimSuffix(m.name, filepath.Ext(m.name))
		_, title, _ := strings.Cut(base, "_")
		rev := revgraph.Revision{ID: id, Message: strings.ReplaceAll(title, "_", " ")}
		if prev != "" {
			rev.Down = []string{prev}
		}
		prev = id
		header := []string{"Imported from goose migration " + m.name + "."}
		var up, down section
		if m.isGo {
			why := "a goose Go migration: port it to a Go revision (engine.GoRevision) or to SQL here"
			r.HandEdit = append(r.HandEdit, fmt.Sprintf("%s (%s): %s", id, m.path, why))
			up = section{comment: []string{HandEditMarker + " " + why}}
			down = up
		} else {
			data, err := os.ReadFile(m.path)
			if err != nil {
				errs = append(errs, fmt.Errorf("read %s: %w", m.path, err))
				continue
			}
			g, err := parseGoose(m.path, string(data))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			up = section{sql: joinStatements(g.up), noTx: g.noTx}
			down = section{sql: joinStatements(g.down), noTx: g.noTx}
			if g.noTx {
				r.Notes = append(r.Notes, fmt.Sprintf("%s: NO TRANSACTION: both sections run with transaction=false", m.path))
			}
			if g.envsub {
				r.Notes = append(r.Notes, fmt.Sprintf("%s: ENVSUB: Retort does not substitute ${VAR} references; they are kept as written", m.path))
			}
			if err := sameStatements(m.path, g, up.sql, down.sql); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		r.Files = append(r.Files, File{Name: base + ".sql", Data: render(rev, "", header, up, down), Revision: rev, Source: m.path})
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return finish(r)
}

// gooseFile is a parsed goose SQL migration.
type gooseFile struct {
	up, down     []gooseStatement
	noTx, envsub bool
}

// gooseStatement is one statement as goose would send it.
type gooseStatement struct {
	sql   string
	line  int
	block bool // between StatementBegin and StatementEnd
}

// parseGoose splits a goose SQL migration as goose does: annotations
// `-- +goose Up`, `Down`, `StatementBegin`, `StatementEnd`,
// `NO TRANSACTION` and `ENVSUB ON|OFF`; outside a StatementBegin block a
// statement ends at a line that ends with a semicolon.
func parseGoose(path, text string) (*gooseFile, error) {
	g := &gooseFile{}
	const (
		none = iota
		up
		down
	)
	dir := none
	seenUp, seenDown := 0, 0
	inBlock := false
	var buf []string
	start := 0
	flush := func(ln int, block bool) {
		stmt := strings.TrimSpace(strings.Join(buf, "\n"))
		buf = nil
		if stmt == "" {
			return
		}
		s := gooseStatement{sql: stmt, line: start, block: block}
		if dir == up {
			g.up = append(g.up, s)
		} else {
			g.down = append(g.down, s)
		}
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		ln := i + 1
		trimmed := strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(trimmed, "--"); ok {
			cmd := strings.TrimSpace(rest)
			if ann, ok := strings.CutPrefix(cmd, "+goose"); ok {
				ann = strings.ToLower(strings.Join(strings.Fields(ann), " "))
				switch ann {
				case "up", "down":
					if inBlock {
						return nil, &ParseError{Path: path, Line: ln, Msg: "+goose " + ann + " inside a StatementBegin block"}
					}
					if len(buf) > 0 && strings.TrimSpace(strings.Join(buf, "")) != "" {
						return nil, &ParseError{Path: path, Line: start, Msg: "statement does not end with a semicolon"}
					}
					buf = nil
					if ann == "up" {
						if seenUp > 0 {
							return nil, &ParseError{Path: path, Line: ln, Msg: fmt.Sprintf("second +goose Up (first at line %d)", seenUp)}
						}
						if seenDown > 0 {
							return nil, &ParseError{Path: path, Line: ln, Msg: "+goose Up after +goose Down"}
						}
						dir, seenUp = up, ln
					} else {
						if seenDown > 0 {
							return nil, &ParseError{Path: path, Line: ln, Msg: fmt.Sprintf("second +goose Down (first at line %d)", seenDown)}
						}
						if seenUp == 0 {
							return nil, &ParseError{Path: path, Line: ln, Msg: "+goose Down before +goose Up"}
						}
						dir, seenDown = down, ln
					}
				case "statementbegin":
					if dir == none {
						return nil, &ParseError{Path: path, Line: ln, Msg: "+goose StatementBegin before +goose Up"}
					}
					if inBlock {
						return nil, &ParseError{Path: path, Line: ln, Msg: "nested +goose StatementBegin"}
					}
					if strings.TrimSpace(strings.Join(buf, "")) != "" {
						return nil, &ParseError{Path: path, Line: start, Msg: "statement does not end with a semicolon"}
					}
					buf, inBlock, start = nil, true, ln+1
				case "statementend":
					if !inBlock {
						return nil, &ParseError{Path: path, Line: ln, Msg: "+goose StatementEnd without StatementBegin"}
					}
					flush(ln, true)
					inBlock = false
				case "no transaction":
					g.noTx = true
				case "envsub on":
					g.envsub = true
				case "envsub off":
				default:
					return nil, &ParseError{Path: path, Line: ln, Msg: fmt.Sprintf("unknown goose annotation %q", "+goose "+ann)}
				}
				continue
			}
			if !inBlock && len(buf) == 0 {
				continue // a comment between statements
			}
		}
		if dir == none {
			if trimmed != "" {
				return nil, &ParseError{Path: path, Line: ln, Msg: "SQL before -- +goose Up"}
			}
			continue
		}
		if trimmed == "" && len(buf) == 0 {
			continue
		}
		if len(buf) == 0 {
			start = ln
		}
		buf = append(buf, line)
		if !inBlock && endsWithSemicolon(line) {
			flush(ln, false)
		}
	}
	switch {
	case inBlock:
		return nil, &ParseError{Path: path, Line: start, Msg: "+goose StatementBegin without StatementEnd"}
	case strings.TrimSpace(strings.Join(buf, "")) != "":
		return nil, &ParseError{Path: path, Line: start, Msg: "statement does not end with a semicolon"}
	case seenUp == 0:
		return nil, &ParseError{Path: path, Line: 1, Msg: "no -- +goose Up annotation"}
	}
	return g, nil
}

// endsWithSemicolon reports whether a line ends a statement: its last
// word before any -- comment ends with ';', as goose decides.
func endsWithSemicolon(line string) bool {
	prev := ""
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, "--") {
			break
		}
		prev = w
	}
	return strings.HasSuffix(prev, ";")
}

// joinStatements renders statements one after another, each ending with a
// semicolon.
func joinStatements(stmts []gooseStatement) string {
	var b strings.Builder
	for _, s := range stmts {
		sql := strings.TrimSpace(s.sql)
		if !strings.HasSuffix(sql, ";") {
			sql += ";"
		}
		b.WriteString(sql + "\n\n")
	}
	return b.String()
}

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return &multiError{errs: errs, msg: strings.Join(msgs, "; ")}
}

// multiError is several errors on one line.
type multiError struct {
	errs []error
	msg  string
}

func (m *multiError) Error() string   { return m.msg }
func (m *multiError) Unwrap() []error { return m.errs }
