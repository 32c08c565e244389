package script

import (
	"strings"
)

// Split splits SQL text into statements. firstLine is the file line where
// text starts.
//
// A semicolon ends a statement unless it is inside one of:
//   - a string, '…', where a doubled quote stands for one (E'…' strings also
//     accept backslash escapes such as \');
//   - a quoted identifier, "…" or `…`, with the quote doubled to escape it;
//   - a dollar-quoted body, $$…$$ or $tag$…$tag$ ($1 and other
//     parameters are not dollar quotes);
//   - a comment, -- to the end of the line or /* … */ (nested);
//   - parentheses, as in PostgreSQL `CREATE RULE … DO ALSO (…; …)`;
//   - the body of a SQLite `CREATE [TEMP] TRIGGER … BEGIN … END`, or of a
//     PostgreSQL `CREATE FUNCTION|PROCEDURE … BEGIN ATOMIC … END`, where
//     CASE … END pairs are counted too.
//
// Statements that hold only comments and whitespace are dropped. An
// unterminated string, identifier, body, comment or BEGIN block is an
// [*Error] that names the line where it started, wrapping [ErrUnterminated].
func Split(text string, firstLine int) ([]Statement, error) {
	spans, err := scan(text, firstLine)
	if err != nil {
		return nil, err
	}
	stmts := make([]Statement, len(spans))
	for i, s := range spans {
		stmts[i] = Statement{SQL: text[s.start:s.end], Line: s.line}
	}
	return stmts, nil
}

// span is one statement found by scan: text[start:end], starting on line.
type span struct {
	start, end, line int
}

// stmtKind says which kind of BEGIN … END body a statement may hold.
type stmtKind int8

const (
	kindUnknown stmtKind = iota // no word seen yet
	kindCreate                  // CREATE [TEMP|OR REPLACE|…] seen
	kindPlain                   // no body possible
	kindTrigger                 // CREATE … TRIGGER: BEGIN opens a body
	kindRoutine                 // CREATE … FUNCTION|PROCEDURE: BEGIN ATOMIC opens a body
)

// scanner holds the state of one scan.
type scanner struct {
	text  string
	i     int
	line  int
	spans []span

	start     int // start of the current statement, -1 between statements
	startLine int
	parens    int
	block     int // depth of BEGIN … END (and CASE … END inside it)
	blockLine int
	kind      stmtKind
	atomic    bool // BEGIN seen in a routine; ATOMIC would open a body
}

func scan(text string, firstLine int) ([]span, error) {
	s := &scanner{text: text, line: firstLine, start: -1}
	for s.i < len(text) {
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	if s.block > 0 {
		return nil, errorf(ErrUnterminated, s.blockLine, "unterminated BEGIN … END block")
	}
	s.emit(len(text))
	return s.spans, nil
}

// emit ends the current statement at end, if one is open.
func (s *scanner) emit(end int) {
	if s.start < 0 {
		return
	}
	for end > s.start && isSpace(s.text[end-1]) {
		end--
	}
	s.spans = append(s.spans, span{start: s.start, end: end, line: s.startLine})
	s.start = -1
	s.parens, s.block, s.kind, s.atomic = 0, 0, kindUnknown, false
}

// begin marks the current position as the start of a statement if none is
// open.
func (s *scanner) begin() {
	if s.start < 0 {
		s.start, s.startLine = s.i, s.line
	}
}

func (s *scanner) step() error {
	t := s.text
	c := t[s.i]
	switch {
	case c == '\n':
		s.line++
		s.i++
	case isSpace(c):
		s.i++
	case c == '-' && s.peek(1) == '-':
		if j := strings.IndexByte(t[s.i:], '\n'); j >= 0 {
			s.i += j
		} else {
			s.i = len(t)
		}
	case c == '/' && s.peek(1) == '*':
		return s.blockComment()
	case c == ';':
		if s.start >= 0 && s.parens == 0 && s.block == 0 {
			s.emit(s.i)
		}
		s.i++
	case c == '\'':
		s.begin()
		return s.quoted('\'', false, "string")
	case c == '"':
		s.begin()
		return s.quoted('"', false, "quoted identifier")
	case c == '`':
		s.begin()
		return s.quoted('`', false, "quoted identifier")
	case c == '$':
		s.begin()
		return s.dollar()
	case c == '(':
		s.begin()
		s.parens++
		s.i++
	case c == ')':
		s.begin()
		if s.parens > 0 {
			s.parens--
		}
		s.i++
	case isIdentStart(c):
		s.begin()
		return s.word()
	case isDigit(c):
		s.begin()
		for s.i < len(t) && (isIdentStart(t[s.i]) || isDigit(t[s.i]) || t[s.i] == '.') {
			s.i++
		}
	default:
		s.begin()
		s.i++
	}
	return nil
}

func (s *scanner) peek(n int) byte {
	if s.i+n < len(s.text) {
		return s.text[s.i+n]
	}
	return 0
}

// blockComment skips a nested /* … */ comment.
func (s *scanner) blockComment() error {
	t, line := s.text, s.line
	depth := 0
	for s.i < len(t) {
		switch {
		case t[s.i] == '\n':
			s.line++
			s.i++
		case t[s.i] == '/' && s.peek(1) == '*':
			depth++
			s.i += 2
		case t[s.i] == '*' && s.peek(1) == '/':
			depth--
			s.i += 2
			if depth == 0 {
				return nil
			}
		default:
			s.i++
		}
	}
	return errorf(ErrUnterminated, line, "unterminated block comment")
}

// quoted skips a quoted string or identifier that starts at s.i. A doubled
// quote stands for one; with backslash, a backslash escapes the next byte.
func (s *scanner) quoted(q byte, backslash bool, what string) error {
	t, line := s.text, s.line
	s.i++
	for s.i < len(t) {
		c := t[s.i]
		switch {
		case c == '\n':
			s.line++
			s.i++
		case c == '\\' && backslash:
			if s.peek(1) == '\n' {
				s.line++
			}
			s.i += 2
		case c == q:
			if s.peek(1) == q {
				s.i += 2
				continue
			}
			s.i++
			return nil
		default:
			s.i++
		}
	}
	s.i = len(t)
	return errorf(ErrUnterminated, line, "unterminated %s", what)
}

// dollar skips a $tag$ … $tag$ body starting at s.i, or steps over a '$'
// that starts no body ($1, a lone $).
func (s *scanner) dollar() error {
	t := s.text
	j := s.i + 1
	if j < len(t) && isIdentStart(t[j]) {
		for j < len(t) && (isIdentStart(t[j]) || isDigit(t[j])) {
			j++
		}
	}
	if j >= len(t) || t[j] != '$' {
		s.i++
		return nil
	}
	tag := t[s.i : j+1]
	end := strings.Index(t[j+1:], tag)
	if end < 0 {
		return errorf(ErrUnterminated, s.line, "unterminated dollar-quoted body %s", tag)
	}
	end += j + 1 + len(tag)
	s.line += strings.Count(t[s.i:end], "\n")
	s.i = end
	return nil
}

// word reads an identifier or keyword and tracks the words that open and
// close BEGIN … END bodies.
func (s *scanner) word() error {
	t := s.text
	from := s.i
	for s.i < len(t) && (isIdentStart(t[s.i]) || isDigit(t[s.i]) || t[s.i] == '$') {
		s.i++
	}
	w := t[from:s.i]
	if len(w) == 1 && (w[0] == 'E' || w[0] == 'e') && s.i < len(t) && t[s.i] == '\'' {
		return s.quoted('\'', true, "string")
	}
	if from > 0 && t[from-1] == '.' {
		return nil // a qualified name such as t.end
	}
	s.keyword(w)
	return nil
}

func (s *scanner) keyword(w string) {
	is := func(k string) bool { return strings.EqualFold(w, k) }
	switch s.kind {
	case kindUnknown:
		if is("CREATE") {
			s.kind = kindCreate
		} else {
			s.kind = kindPlain
		}
		return
	case kindCreate:
		switch {
		case is("TEMP"), is("TEMPORARY"), is("OR"), is("REPLACE"), is("CONSTRAINT"):
		case is("TRIGGER"):
			s.kind = kindTrigger
		case is("FUNCTION"), is("PROCEDURE"):
			s.kind = kindRoutine
		default:
			s.kind = kindPlain
		}
		return
	case kindPlain:
		return
	}
	atomic := s.atomic
	s.atomic = false
	switch {
	case s.block > 0 && is("CASE"):
		s.block++
	case s.block > 0 && is("END"):
		s.block--
	case s.block == 0 && s.kind == kindTrigger && is("BEGIN"):
		s.block, s.blockLine = 1, s.line
	case s.block == 0 && s.kind == kindRoutine && is("BEGIN"):
		s.atomic, s.blockLine = true, s.line
	case atomic && is("ATOMIC"):
		s.block = 1
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentStart reports whether c may start an identifier; bytes of
// multi-byte UTF-8 sequences count as letters, as in PostgreSQL.
func isIdentStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}
