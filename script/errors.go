package script

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrSyntax is matched by every error that reports a malformed script.
// The errors below refine it; errors.Is(err, ErrSyntax) holds for each.
var ErrSyntax = errors.New("malformed script")

var (
	// ErrEmpty reports a file with nothing but whitespace in it.
	ErrEmpty = fmt.Errorf("%w: empty file", ErrSyntax)
	// ErrEncoding reports invalid UTF-8 or binary (NUL) content.
	ErrEncoding = fmt.Errorf("%w: bad encoding", ErrSyntax)
	// ErrUnknownDirective reports a `-- migrate:` directive that does not
	// exist or a section option that does not exist.
	ErrUnknownDirective = fmt.Errorf("%w: unknown directive", ErrSyntax)
	// ErrMissingRevision reports a script without `-- migrate:revision`,
	// or with a section before it.
	ErrMissingRevision = fmt.Errorf("%w: missing revision", ErrSyntax)
	// ErrInvalidID reports a revision id or branch label that has
	// characters outside the allowed set.
	ErrInvalidID = fmt.Errorf("%w: invalid id", ErrSyntax)
	// ErrUnterminated reports a quoted string, quoted identifier,
	// dollar-quoted body, block comment or BEGIN … END block that is not
	// closed before the end of its section.
	ErrUnterminated = fmt.Errorf("%w: unterminated", ErrSyntax)
)

// Error is a problem found in a script, or while reading one.
//
// Its text is one line, "path:line: msg"; the path or line is left out
// when unknown (Split does not know the path; a directory that cannot be
// read has no line).
type Error struct {
	// Path is the script's path within its fs.FS.
	Path string
	// Line is the 1-based line of the problem, or 0.
	Line int
	// Msg says what is wrong and what was expected.
	Msg string
	// Err is the sentinel (ErrSyntax or a refinement) for a malformed
	// script, or the underlying I/O error.
	Err error
}

// Error returns "path:line: msg".
func (e *Error) Error() string {
	switch {
	case e.Path != "" && e.Line > 0:
		return e.Path + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	case e.Path != "":
		return e.Path + ": " + e.Msg
	case e.Line > 0:
		return "line " + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

func errorf(sentinel error, line int, format string, args ...any) *Error {
	return &Error{Line: line, Msg: fmt.Sprintf(format, args...), Err: sentinel}
}
