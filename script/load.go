package script

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Load reads every *.sql file below dir in fsys (nested folders included)
// and parses each. dir is a slash-separated fs.FS path; "." (or "") is
// the root.
//
// Files and folders whose names start with "." are skipped (editor lock
// files, .git), as are files whose names do not end in ".sql". The files
// are returned sorted by Path, which is the path within fsys ("dir/a.sql",
// not "a.sql"). All problems are reported, joined with errors.Join; a
// directory that does not exist is an [*Error] that wraps
// [fs.ErrNotExist]. Duplicate revision ids across files are not checked
// here: the revision graph reports them, naming both files.
func Load(fsys fs.FS, dir string) ([]*File, error) {
	if dir == "" {
		dir = "."
	}
	info, err := fs.Stat(fsys, dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &Error{Path: dir, Msg: "script directory does not exist", Err: err}
		}
		return nil, &Error{Path: dir, Msg: "cannot read script directory: " + err.Error(), Err: err}
	}
	if !info.IsDir() {
		return nil, &Error{Path: dir, Msg: "script directory is not a directory", Err: fs.ErrInvalid}
	}

	var paths []string
	var errs []error
	walkErr := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, &Error{Path: p, Msg: "cannot read: " + err.Error(), Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if p != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && path.Ext(name) == ".sql" {
			paths = append(paths, p)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, &Error{Path: dir, Msg: "cannot read script directory: " + walkErr.Error(), Err: walkErr})
	}
	slices.Sort(paths)

	files := make([]*File, 0, len(paths))
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, &Error{Path: p, Msg: "cannot read: " + err.Error(), Err: err})
			continue
		}
		f, err := Parse(p, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return files, nil
}
