package script

import "strings"

// SplitMySQL splits MySQL or MariaDB SQL text into statements, as the mysql
// client does. firstLine is the file line where text starts.
//
// A semicolon ends a statement unless it is inside one of:
//   - a string, '…' or "…", where a backslash escapes the next character and
//     a doubled quote stands for one;
//   - a quoted identifier, `…`, with the backtick doubled to escape it;
//   - a comment: # or "-- " (two dashes and a space, tab or line end) to the
//     end of the line, or /* … */ (not nested, as in MySQL);
//   - the body of CREATE [DEFINER=…] PROCEDURE|FUNCTION|TRIGGER|EVENT …
//     BEGIN … END, where BEGIN … END, IF … END IF, CASE … END [CASE],
//     LOOP … END LOOP, WHILE … END WHILE and REPEAT … END REPEAT nest; no
//     DELIMITER is needed.
//
// A version comment, /*! … */ or /*M! … */, is code: it is kept in its
// statement, and a statement made only of one (as mysqldump writes them) is
// kept too. A DELIMITER line, as mysqldump writes around routines, changes
// the terminator until the next DELIMITER line; the line itself is not a
// statement. Statements that hold only comments and whitespace are dropped.
// An unterminated string, identifier, comment or BEGIN block is an [*Error]
// that names the line where it started, wrapping [ErrUnterminated].
func SplitMySQL(text string, firstLine int) ([]Statement, error) {
	s := &myScanner{text: text, line: firstLine, start: -1, delim: ";", atStmt: true}
	for s.i < len(text) {
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	if s.depth > 0 {
		return nil, errorf(ErrUnterminated, s.blockLine, "unterminated BEGIN … END block")
	}
	s.emit(len(text))
	stmts := make([]Statement, len(s.spans))
	for i, sp := range s.spans {
		stmts[i] = Statement{SQL: text[sp.start:sp.end], Line: sp.line}
	}
	return stmts, nil
}

// myKind says whether a statement may hold a compound body.
type myKind int8

const (
	myUnknown myKind = iota // no word seen yet
	myCreate                // CREATE seen, object type not yet
	myPlain                 // no body possible
	myRoutine               // a stored program: BEGIN opens its body
)

// myScanner holds the state of one SplitMySQL scan.
type myScanner struct {
	text  string
	i     int
	line  int
	spans []span

	start     int // start of the current statement, -1 between statements
	startLine int
	delim     string // the terminator: ";" unless a DELIMITER line changed it

	kind      myKind
	depth     int  // nesting of compound statements in a stored program body
	blockLine int  // line of the outermost BEGIN
	atStmt    bool // inside a body: the next word starts a statement
	afterEnd  bool // the previous word was END: IF, CASE, … name what it ends
}

func (s *myScanner) emit(end int) {
	if s.start < 0 {
		return
	}
	for end > s.start && isSpace(s.text[end-1]) {
		end--
	}
	s.spans = append(s.spans, span{start: s.start, end: end, line: s.startLine})
	s.start = -1
	s.kind, s.depth, s.atStmt, s.afterEnd = myUnknown, 0, true, false
}

func (s *myScanner) begin() {
	if s.start < 0 {
		s.start, s.startLine = s.i, s.line
	}
}

func (s *myScanner) peek(n int) byte {
	if s.i+n < len(s.text) {
		return s.text[s.i+n]
	}
	return 0
}

func (s *myScanner) step() error {
	t := s.text
	c := t[s.i]
	if s.start < 0 && s.atLineStart() && s.delimiterLine() {
		return nil
	}
	switch {
	case c == '\n':
		s.line++
		s.i++
	case isSpace(c):
		s.i++
	case c == '#' || c == '-' && s.peek(1) == '-' && (s.peek(2) == 0 || isSpace(s.peek(2)) || s.peek(2) < ' '):
		if j := strings.IndexByte(t[s.i:], '\n'); j >= 0 {
			s.i += j
		} else {
			s.i = len(t)
		}
	case c == '/' && s.peek(1) == '*':
		return s.comment()
	case s.atDelim():
		s.emit(s.i)
		s.i += len(s.delim)
	case c == ';' && s.delim == ";":
		if s.start >= 0 && s.depth == 0 {
			s.emit(s.i)
		} else if s.depth > 0 {
			s.atStmt, s.afterEnd = true, false
		}
		s.i++
	case c == '\'' || c == '"' || c == '`':
		s.begin()
		what := "string"
		if c == '`' {
			what = "quoted identifier"
		}
		return s.quoted(c, c != '`', what)
	case isIdentStart(c) || c == '$':
		s.begin()
		s.word()
	case isDigit(c):
		s.begin()
		for s.i < len(t) && (isIdentStart(t[s.i]) || isDigit(t[s.i]) || t[s.i] == '.') && !s.atDelim() {
			s.i++
		}
		s.atStmt, s.afterEnd = false, false
	default:
		s.begin()
		if c != ':' { // a label ("lbl:") keeps the statement start
			s.atStmt, s.afterEnd = false, false
		}
		s.i++
	}
	return nil
}

// atDelim reports whether a terminator set by DELIMITER starts at s.i.
func (s *myScanner) atDelim() bool {
	return s.delim != ";" && strings.HasPrefix(s.text[s.i:], s.delim)
}

// atLineStart reports whether only blanks precede s.i on its line.
func (s *myScanner) atLineStart() bool {
	for j := s.i - 1; j >= 0; j-- {
		switch s.text[j] {
		case '\n':
			return true
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return true
}

// delimiterLine consumes a "DELIMITER x" line starting at s.i, if there is
// one, and makes x the terminator.
func (s *myScanner) delimiterLine() bool {
	t := s.text[s.i:]
	const kw = "delimiter"
	if len(t) <= len(kw) || !strings.EqualFold(t[:len(kw)], kw) || (t[len(kw)] != ' ' && t[len(kw)] != '\t') {
		return false
	}
	end := strings.IndexByte(t, '\n')
	if end < 0 {
		end = len(t)
	}
	d := strings.TrimSpace(t[len(kw):end])
	if f := strings.Fields(d); len(f) > 0 {
		d = f[0]
	}
	if d == "" {
		return false
	}
	s.delim = d
	s.i += end
	return true
}

// comment skips a /* … */ comment, or keeps a /*! … */ version comment as
// code of the current statement.
func (s *myScanner) comment() error {
	t, line := s.text, s.line
	code := s.peek(2) == '!' || (s.peek(2) == 'M' && s.peek(3) == '!')
	if code {
		s.begin()
		s.atStmt, s.afterEnd = false, false
	}
	end := strings.Index(t[s.i+2:], "*/")
	if end < 0 {
		s.i = len(t)
		return errorf(ErrUnterminated, line, "unterminated block comment")
	}
	end += s.i + 4
	s.line += strings.Count(t[s.i:end], "\n")
	s.i = end
	return nil
}

// quoted skips a quoted string or identifier that starts at s.i.
func (s *myScanner) quoted(q byte, backslash bool, what string) error {
	t, line := s.text, s.line
	s.atStmt, s.afterEnd = false, false
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

// word reads an identifier or keyword and tracks the words that open and
// close compound statements.
func (s *myScanner) word() {
	t := s.text
	from := s.i
	for s.i < len(t) && (isIdentStart(t[s.i]) || isDigit(t[s.i]) || t[s.i] == '$') && !s.atDelim() {
		s.i++
	}
	if from > 0 && t[from-1] == '.' || s.i < len(t) && t[s.i] == '.' {
		s.atStmt, s.afterEnd = false, false
		return // part of a qualified name such as t.end
	}
	s.keyword(t[from:s.i])
}

func (s *myScanner) keyword(w string) {
	is := func(k string) bool { return strings.EqualFold(w, k) }
	switch s.kind {
	case myUnknown:
		s.kind = myPlain
		if is("CREATE") {
			s.kind = myCreate
		}
		return
	case myCreate:
		switch {
		case is("PROCEDURE"), is("FUNCTION"), is("TRIGGER"), is("EVENT"):
			s.kind = myRoutine
		case is("TABLE"), is("VIEW"), is("INDEX"), is("UNIQUE"), is("FULLTEXT"), is("SPATIAL"),
			is("DATABASE"), is("SCHEMA"), is("USER"), is("ROLE"), is("SERVER"), is("TABLESPACE"),
			is("SEQUENCE"), is("LOGFILE"), is("TEMPORARY"):
			s.kind = myPlain
		}
		return
	case myPlain:
		return
	}
	if s.delim != ";" {
		return // the terminator alone ends the statement
	}
	// A stored program: its header, then its body.
	atStmt, afterEnd := s.atStmt, s.afterEnd
	s.atStmt, s.afterEnd = false, false
	if s.depth == 0 {
		if is("BEGIN") {
			s.depth, s.blockLine, s.atStmt = 1, s.line, true
		}
		return
	}
	switch {
	case afterEnd && (is("IF") || is("CASE") || is("LOOP") || is("WHILE") || is("REPEAT")):
		// END IF, END CASE, …: the END already closed it.
	case is("END"):
		s.depth--
		s.afterEnd = true
	case is("CASE"):
		s.depth++
	case atStmt && (is("BEGIN") || is("LOOP") || is("REPEAT")):
		s.depth++
		s.atStmt = true
	case atStmt && (is("IF") || is("WHILE")):
		s.depth++
	case is("THEN"), is("ELSE"), is("DO"):
		s.atStmt = true
	case atStmt && s.i < len(s.text) && s.text[s.i] == ':':
		s.atStmt = true // a label
	}
}
