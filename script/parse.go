package script

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/retort-sql/retort/revgraph"
)

// Header directive names, in the order Render writes them.
const (
	dirRevision     = "revision"
	dirDownRevision = "down_revision"
	dirBranchLabels = "branch_labels"
	dirDependsOn    = "depends_on"
	dirMessage      = "message"
	dirCreateDate   = "create_date"
	dirUpgrade      = "upgrade"
	dirDowngrade    = "downgrade"
)

const knownDirectives = "revision, down_revision, branch_labels, depends_on, message, create_date, upgrade or downgrade"

// section is a section directive and the lines that belong to it.
type section struct {
	name       string
	line       int // 1-based line of the directive
	noTx       bool
	start, end int // 0-based line indexes of its body, end exclusive
}

// Parse parses one script file. path is used in error messages and as
// the revision's Origin.
//
// The first problem found is returned as an [*Error] whose Path is path.
func Parse(path string, data []byte) (*File, error) {
	return ParseSyntax(path, data, SyntaxStandard)
}

// ParseSyntax is [Parse] with the statements split by syn's rules.
func ParseSyntax(path string, data []byte, syn Syntax) (*File, error) {
	f, err := parse(data, syn)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Path = path
		}
		return nil, err
	}
	f.Path = path
	f.Revision.Origin = path
	return f, nil
}

func parse(data []byte, syn Syntax) (*File, error) {
	if err := checkEncoding(data); err != nil {
		return nil, err
	}
	// A leading byte order mark is the one byte sequence dropped: the SQL
	// reaches the database as the file has it, CRLF line ends included
	// (a multi-line string or $$ body keeps its CRs, as under psql).
	text := string(bytes.TrimPrefix(data, []byte("\uFEFF")))
	if strings.TrimSpace(text) == "" {
		return nil, errorf(ErrEmpty, 1, "empty file: want a -- migrate:revision header and a -- migrate:upgrade section")
	}
	lines := strings.Split(text, "\n")
	last := len(lines)
	if lines[last-1] == "" {
		last--
	}

	f := &File{}
	seen := map[string]int{} // header directive -> line
	var sections []*section
	for idx, raw := range lines {
		ln := idx + 1
		raw = strings.TrimSuffix(raw, "\r")
		name, value, ok := directive(raw)
		if !ok {
			if len(sections) == 0 {
				if t := strings.TrimSpace(raw); t != "" && !strings.HasPrefix(t, "--") {
					return nil, errorf(ErrSyntax, ln, "unexpected text before the first section: want -- migrate: directives, comments or blank lines")
				}
			}
			continue
		}
		switch name {
		case dirUpgrade, dirDowngrade:
			s, err := openSection(name, value, ln, sections, seen)
			if err != nil {
				return nil, err
			}
			if n := len(sections); n > 0 {
				sections[n-1].end = idx
			}
			s.start, s.end = idx+1, len(lines)
			sections = append(sections, s)
		case dirRevision, dirDownRevision, dirBranchLabels, dirDependsOn, dirMessage, dirCreateDate:
			if len(sections) > 0 {
				return nil, errorf(ErrSyntax, ln, "-- migrate:%s after a section: header directives must come before line %d", name, sections[0].line)
			}
			if first, dup := seen[name]; dup {
				return nil, errorf(ErrSyntax, ln, "duplicate -- migrate:%s (first at line %d)", name, first)
			}
			seen[name] = ln
			if err := f.setHeader(name, value, ln); err != nil {
				return nil, err
			}
		default:
			return nil, errorf(ErrUnknownDirective, ln, "unknown directive %q: want %s", "-- migrate:"+name, knownDirectives)
		}
	}
	if _, ok := seen[dirRevision]; !ok {
		return nil, errorf(ErrMissingRevision, 1, "missing -- migrate:revision directive")
	}
	for _, s := range sections {
		body := strings.Join(lines[s.start:s.end], "\n")
		stmts, err := syn.split(body, s.start+1)
		if err != nil {
			return nil, err
		}
		sec := &Section{Line: s.line, NoTx: s.noTx, Statements: stmts, Checksum: checksum(stmts)}
		if s.name == dirUpgrade {
			f.Upgrade = sec
		} else {
			f.Downgrade = sec
		}
	}
	if f.Upgrade == nil {
		return nil, errorf(ErrSyntax, last, "missing -- migrate:upgrade section")
	}
	return f, nil
}

// openSection checks a section directive at line ln against the sections
// already seen and parses its options.
func openSection(name, opts string, ln int, sections []*section, seen map[string]int) (*section, error) {
	if _, ok := seen[dirRevision]; !ok && len(sections) == 0 {
		if len(seen) == 0 {
			return nil, errorf(ErrMissingRevision, ln, "-- migrate:%s before the header: start the file with -- migrate:revision ID", name)
		}
		return nil, errorf(ErrMissingRevision, ln, "missing -- migrate:revision directive before -- migrate:%s", name)
	}
	for _, s := range sections {
		if s.name == name {
			return nil, errorf(ErrSyntax, ln, "second -- migrate:%s section (first at line %d)", name, s.line)
		}
	}
	s := &section{name: name, line: ln}
	set := false
	for _, o := range strings.Fields(opts) {
		switch o {
		case "transaction=false", "transaction=true":
			if set {
				return nil, errorf(ErrSyntax, ln, "duplicate option %q on -- migrate:%s", o, name)
			}
			set = true
			s.noTx = o == "transaction=false"
		default:
			return nil, errorf(ErrUnknownDirective, ln, "unknown option %q on -- migrate:%s: want transaction=false or transaction=true", o, name)
		}
	}
	return s, nil
}

// setHeader applies one header directive.
func (f *File) setHeader(name, value string, ln int) error {
	r := &f.Revision
	var err error
	switch name {
	case dirRevision:
		if value == "" {
			return errorf(ErrInvalidID, ln, "-- migrate:revision needs an id")
		}
		if !ValidID(value) {
			return errorf(ErrInvalidID, ln, "invalid revision id %q: use letters, digits and _", value)
		}
		r.ID = value
	case dirDownRevision:
		r.Down, err = list(name, value, ln, ValidID, "revision id", "letters, digits and _")
	case dirBranchLabels:
		r.BranchLabels, err = list(name, value, ln, ValidLabel, "branch label", "letters, digits, _ and .")
	case dirDependsOn:
		r.DependsOn, err = list(name, value, ln, ValidLabel, "revision or label", "letters, digits, _ and .")
	case dirMessage:
		r.Message = value
	case dirCreateDate:
		f.CreateDate = value
	}
	return err
}

// list parses a comma-separated list; an empty value is an empty list.
func list(name, value string, ln int, valid func(string) bool, what, allowed string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	parts := strings.Split(value, ",")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, errorf(ErrSyntax, ln, "empty item in -- migrate:%s list %q", name, value)
		}
		if !valid(p) {
			return nil, errorf(ErrInvalidID, ln, "invalid %s %q in -- migrate:%s: use %s", what, p, name, allowed)
		}
		out = append(out, p)
	}
	return out, nil
}

// directive reports whether line is a `-- migrate:NAME [VALUE]` directive.
func directive(line string) (name, value string, ok bool) {
	t := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(t, "--") {
		return "", "", false
	}
	t = strings.TrimLeft(t[2:], " \t")
	t, ok = strings.CutPrefix(t, "migrate:")
	if !ok {
		return "", "", false
	}
	if i := strings.IndexAny(t, " \t"); i >= 0 {
		return t[:i], strings.TrimSpace(t[i:]), true
	}
	return strings.TrimSpace(t), "", true
}

// checkEncoding rejects NUL bytes and invalid UTF-8, naming the line.
func checkEncoding(data []byte) error {
	line, col := 1, 1
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == 0:
			return errorf(ErrEncoding, line, "binary content: NUL byte at column %d", col)
		case c == '\n':
			line, col = line+1, 1
			i++
			continue
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				return errorf(ErrEncoding, line, "invalid UTF-8 at column %d", col)
			}
			i += n
		}
		col++
	}
	return nil
}

// checksum returns the hex SHA-256 of the normalised statements.
func checksum(stmts []Statement) string {
	h := sha256.New()
	for _, s := range stmts {
		for l := range strings.SplitSeq(strings.ReplaceAll(s.SQL, "\r\n", "\n"), "\n") {
			h.Write([]byte(strings.TrimRight(l, " \t\r")))
			h.Write([]byte{'\n'})
		}
		h.Write([]byte(";\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ValidID reports whether s is a valid revision id: one or more ASCII
// letters, digits and underscores.
func ValidID(s string) bool {
	return validChars(s, "_")
}

// ValidLabel reports whether s is a valid branch label (or depends_on
// item): one or more ASCII letters, digits, '_' and '.', as
// [revgraph.ValidLabel] says.
func ValidLabel(s string) bool {
	return revgraph.ValidLabel(s)
}

func validChars(s, extra string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}
