package script

import (
	"errors"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"
)

// Load reads every *.sql file below dir in fsys (nested folders included)
// and parses each. dir is a slash-separated fs.FS path; "." (or "") is
// the root.
//
// Files and folders whose names start with "." are skipped (editor lock
// files, .git), as are files whose names do not end in ".sql". Symbolic
// links to files and folders are followed (a Kubernetes ConfigMap volume
// links each file to ..data/<name>), a link loop is an error, and a file
// reachable by several paths is loaded once. A *.sql entry that cannot be
// read (a broken link, a special file) is an error naming its path. The files
// are returned sorted by Path, which is the path within fsys ("dir/a.sql",
// not "a.sql"). All problems are reported, joined with errors.Join; a
// directory that does not exist is an [*Error] that wraps
// [fs.ErrNotExist]. Duplicate revision ids across files are not checked
// here: the revision graph reports them, naming both files.
func Load(fsys fs.FS, dir string) ([]*File, error) {
	return LoadSyntax(fsys, dir, SyntaxStandard)
}

// LoadSyntax is [Load] with the statements split by syn's rules.
func LoadSyntax(fsys fs.FS, dir string, syn Syntax) ([]*File, error) {
	return load(fsys, dir, func(fsys fs.FS, p string) (*File, error) { return readFile(fsys, p, syn) })
}

// readFile reads and parses one whole script.
func readFile(fsys fs.FS, p string, syn Syntax) (*File, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, &Error{Path: p, Msg: "cannot read: " + err.Error(), Err: err}
	}
	return ParseSyntax(p, data, syn)
}

// load is Load with the function that reads and parses one file.
func load(fsys fs.FS, dir string, read func(fs.FS, string) (*File, error)) ([]*File, error) {
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

	paths, errs := collectScripts(fsys, dir)

	parsed := readAll(fsys, paths, read)
	files := make([]*File, 0, len(paths))
	for _, r := range parsed {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		files = append(files, r.file)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return files, nil
}

// parsedFile is the outcome of reading and parsing one path.
type parsedFile struct {
	file *File
	err  error
}

// loadWorkers bounds the goroutines that read and parse at once; reading
// is mostly waiting for system calls, so a few more than the CPUs help.
const loadWorkers = 8

// readAll reads and parses every path, in parallel for large directories,
// and returns the outcomes in the order of paths.
func readAll(fsys fs.FS, paths []string, read func(fs.FS, string) (*File, error)) []parsedFile {
	out := make([]parsedFile, len(paths))
	one := func(i int) {
		out[i].file, out[i].err = read(fsys, paths[i])
	}
	workers := min(loadWorkers, runtime.GOMAXPROCS(0)*4, len(paths)/64)
	if workers <= 1 {
		for i := range paths {
			one(i)
		}
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				one(i)
			}
		})
	}
	wg.Wait()
	return out
}
