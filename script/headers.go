package script

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"strings"
)

// LoadHeaders is [Load] for callers that need the revision graph only
// (heads, branches, history): it reads each file only up to its first
// section directive and parses the header, with the same parallel reading
// and the same errors for what it reads. The files it returns have nil
// Upgrade and Downgrade; problems inside the sections (an unterminated
// string, a missing -- migrate:upgrade after a downgrade section) are
// Load's to report.
func LoadHeaders(fsys fs.FS, dir string) ([]*File, error) {
	return load(fsys, dir, readHeader)
}

// headerChunk is the first read of a file's header; a header that does not
// end within it is read on in growing chunks.
const headerChunk = 4096

// readHeader reads path up to the end of the line of its first section
// directive (or to the end of the file) and parses that much.
func readHeader(fsys fs.FS, path string) (*File, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: "cannot read: " + err.Error(), Err: err}
	}
	defer f.Close()
	buf := make([]byte, 0, headerChunk)
	scanned := 0 // bytes of complete lines already searched
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, cap(buf))...)[:len(buf)]
		}
		n, rerr := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if end, ok := sectionLineEnd(buf, &scanned); ok {
			return ParseHeader(path, buf[:end])
		}
		if errors.Is(rerr, io.EOF) {
			return ParseHeader(path, buf)
		}
		if rerr != nil {
			return nil, &Error{Path: path, Msg: "cannot read: " + rerr.Error(), Err: rerr}
		}
	}
}

// sectionLineEnd looks through the complete lines of buf from *scanned on
// for a section directive and returns the offset just past its line.
func sectionLineEnd(buf []byte, scanned *int) (int, bool) {
	for {
		nl := bytes.IndexByte(buf[*scanned:], '\n')
		if nl < 0 {
			return 0, false
		}
		line := string(buf[*scanned : *scanned+nl])
		*scanned += nl + 1
		if name, _, ok := directive(strings.TrimSuffix(line, "\r")); ok && (name == dirUpgrade || name == dirDowngrade) {
			return *scanned, true
		}
	}
}

// ParseHeader parses the header of a script: data from the file's start
// through the line of its first section directive (data may hold more,
// which is ignored). It reports the errors [Parse] reports for that part;
// the File's sections are nil.
func ParseHeader(path string, data []byte) (*File, error) {
	f, err := parseHeader(data)
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

func parseHeader(data []byte) (*File, error) {
	scanned := 0
	if end, ok := sectionLineEnd(data, &scanned); ok {
		data = data[:end]
	}
	if err := checkEncoding(data); err != nil {
		return nil, err
	}
	text := string(bytes.TrimPrefix(data, []byte("\uFEFF")))
	if strings.TrimSpace(text) == "" {
		return nil, errorf(ErrEmpty, 1, "empty file: want a -- migrate:revision header and a -- migrate:upgrade section")
	}
	f := &File{}
	seen := map[string]int{}
	ln := 0
	for raw := range strings.SplitSeq(text, "\n") {
		ln++
		raw = strings.TrimSuffix(raw, "\r")
		name, value, ok := directive(raw)
		if !ok {
			if t := strings.TrimSpace(raw); t != "" && !strings.HasPrefix(t, "--") {
				return nil, errorf(ErrSyntax, ln, "unexpected text before the first section: want -- migrate: directives, comments or blank lines")
			}
			continue
		}
		switch name {
		case dirUpgrade, dirDowngrade:
			if _, err := openSection(name, value, ln, nil, seen); err != nil {
				return nil, err
			}
			return f, nil
		case dirRevision, dirDownRevision, dirBranchLabels, dirDependsOn, dirMessage, dirCreateDate:
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
	last := ln
	if strings.HasSuffix(text, "\n") {
		last--
	}
	return nil, errorf(ErrSyntax, last, "missing -- migrate:upgrade section")
}
