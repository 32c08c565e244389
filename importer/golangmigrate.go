package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

// golangMigrateName is golang-migrate's file name pattern:
// VERSION_TITLE.up.EXT and VERSION_TITLE.down.EXT.
var golangMigrateName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^([0-9]+)_(.*)\.(down|up)\.(.*)$`) })

// gmPair is the up and down file of one golang-migrate version.
type gmPair struct {
	version  uint64
	title    string
	up, down string // paths; down may be ""
}

// GolangMigrate converts the golang-migrate migrations of dir
// (VERSION_title.up.sql and VERSION_title.down.sql) into a linear chain of
// Retort revisions whose ids are the version numbers. A version without a
// down file becomes an irreversible revision. golang-migrate runs each
// file as it is, so a file that wraps itself in BEGIN … COMMIT loses those
// two statements (Retort runs the revision in its own transaction), and a
// file with CREATE INDEX CONCURRENTLY or another statement that cannot run
// in a transaction gets transaction=false; both are reported in
// [Result.Notes]. Nothing is returned when any file fails to parse.
func GolangMigrate(dir string) (*Result, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read golang-migrate migrations: %w", err)
	}
	pairs := map[uint64]*gmPair{}
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		p := filepath.Join(dir, name)
		m := golangMigrateName().FindStringSubmatch(name)
		if m == nil {
			if strings.HasSuffix(name, ".sql") {
				errs = append(errs, &ParseError{Path: p, Msg: "not a golang-migrate migration name (want VERSION_title.up.sql or VERSION_title.down.sql)"})
			}
			continue
		}
		if m[4] != "sql" {
			errs = append(errs, &ParseError{Path: p, Msg: fmt.Sprintf("a .%s migration: only SQL migrations can be imported", m[4])})
			continue
		}
		v, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			errs = append(errs, &ParseError{Path: p, Msg: "version number out of range"})
			continue
		}
		pr := pairs[v]
		if pr == nil {
			pr = &gmPair{version: v, title: m[2]}
			pairs[v] = pr
		}
		slot := &pr.up
		if m[3] == "down" {
			slot = &pr.down
		}
		if *slot != "" {
			errs = append(errs, &ParseError{Path: p, Msg: fmt.Sprintf("version %d has a second %s file (%s)", v, m[3], filepath.Base(*slot))})
			continue
		}
		*slot = p
	}
	versions := make([]uint64, 0, len(pairs))
	for v, pr := range pairs {
		if pr.up == "" {
			errs = append(errs, &ParseError{Path: pr.down, Msg: fmt.Sprintf("version %d has a down file but no up file", v)})
			continue
		}
		versions = append(versions, v)
	}
	if len(versions) == 0 && len(errs) == 0 {
		return nil, fmt.Errorf("%s holds no golang-migrate migration (VERSION_title.up.sql)", dir)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	r := &Result{}
	prev := ""
	for _, v := range versions {
		pr := pairs[v]
		id := versionID(v)
		rev := revgraph.Revision{ID: id, Message: strings.ReplaceAll(pr.title, "_", " ")}
		if prev != "" {
			rev.Down = []string{prev}
		}
		prev = id
		up, err := gmSection(pr.up, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		down := section{absent: true}
		header := []string{"Imported from golang-migrate " + filepath.Base(pr.up)}
		if pr.down != "" {
			if down, err = gmSection(pr.down, r); err != nil {
				errs = append(errs, err)
				continue
			}
			header[0] += " and " + filepath.Base(pr.down)
		} else {
			header = append(header, "No down file: the revision is irreversible.")
		}
		header[0] += "."
		r.Files = append(r.Files, File{Name: fmt.Sprintf("%s_%s.sql", m1(pr.up), pr.title), Data: render(rev, "", header, up, down), Revision: rev, Source: pr.up})
	}
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	return finish(r)
}

// m1 is the version part of a golang-migrate file name, as written.
func m1(path string) string {
	return golangMigrateName().FindStringSubmatch(filepath.Base(path))[1]
}

// noTxStatement matches statements PostgreSQL refuses inside a
// transaction block.
var noTxStatement = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*(CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|REINDEX\b.*\bCONCURRENTLY|ALTER\s+TYPE\s+\S+\s+ADD\s+VALUE|VACUUM|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM)`)
})

// gmSection reads one golang-migrate file into a section.
func gmSection(path string, r *Result) (section, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return section{}, fmt.Errorf("read %s: %w", path, err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	stmts, err := script.Split(text, 1)
	if err != nil {
		return section{}, &ParseError{Path: path, Msg: err.Error()}
	}
	if n := len(stmts); n >= 2 && isTxStatement(stmts[0].SQL, "BEGIN", "BEGIN TRANSACTION", "BEGIN WORK", "START TRANSACTION") &&
		isTxStatement(stmts[n-1].SQL, "COMMIT", "COMMIT TRANSACTION", "COMMIT WORK", "END", "END TRANSACTION") {
		stmts = stmts[1 : n-1]
		r.Notes = append(r.Notes, fmt.Sprintf("%s: BEGIN and COMMIT removed: Retort runs the revision in its own transaction", path))
	}
	var s section
	var b strings.Builder
	for _, st := range stmts {
		if noTxStatement().MatchString(st.SQL) && !s.noTx {
			s.noTx = true
			r.Notes = append(r.Notes, fmt.Sprintf("%s:%d: runs with transaction=false: the statement cannot run in a transaction", path, st.Line))
		}
		b.WriteString(terminate(st.SQL) + "\n\n")
	}
	s.sql = b.String()
	return s, nil
}

func isTxStatement(sql string, forms ...string) bool {
	s := strings.ToUpper(strings.Join(strings.Fields(sql), " "))
	for _, f := range forms {
		if s == f {
			return true
		}
	}
	return false
}

// terminate ends a statement with a semicolon, on a line of its own when
// the last line holds a comment the semicolon would fall into.
func terminate(sql string) string {
	sql = strings.TrimSpace(sql)
	last := sql[strings.LastIndexByte(sql, '\n')+1:]
	if strings.Contains(last, "--") {
		return sql + "\n;"
	}
	return sql + ";"
}
