package script

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

// maxLinkDepth bounds how many symbolic links to folders one path may pass
// through, so that a loop is caught even where the file system cannot tell
// whether two folders are the same one.
const maxLinkDepth = 32

// walker collects the script paths below a folder. It follows symbolic
// links to files and folders (Kubernetes ConfigMap and Secret volumes,
// Bazel runfiles), refuses link loops, and loads a file reached by several
// paths once.
type walker struct {
	fsys  fs.FS
	found []foundScript
	errs  []error
}

// foundScript is one *.sql path and how it was reached.
type foundScript struct {
	path    string
	viaLink bool        // through a symbolic link to it or to a folder above it
	entry   fs.DirEntry // nil when reached through a link to the file
	info    fs.FileInfo // the link's target, when reached through one
}

// collectScripts returns the sorted *.sql paths below dir (which Load has
// checked is a folder) and every problem met on the way.
func collectScripts(fsys fs.FS, dir string) ([]string, []error) {
	w := &walker{fsys: fsys}
	var ancestors []fs.FileInfo
	if fi, err := fs.Stat(fsys, dir); err == nil {
		ancestors = append(ancestors, fi)
	}
	w.walk(dir, ancestors, false, 0)
	return w.paths(), w.errs
}

// walk visits the folder dir. ancestors are the folders that enclose it, dir
// included, as far as they were reached through links; depth counts the
// links to folders passed.
func (w *walker) walk(dir string, ancestors []fs.FileInfo, viaLink bool, depth int) {
	err := fs.WalkDir(w.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			w.errs = append(w.errs, &Error{Path: p, Msg: "cannot read: " + err.Error(), Err: err})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		// Hidden entries are skipped: editor lock files, .git, and the
		// ..data and ..<timestamp> folders of a ConfigMap volume, whose
		// files the volume also links at its top level.
		if p != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch t := d.Type(); {
		case t&fs.ModeSymlink != 0:
			w.link(dir, p, ancestors, depth)
		case t.IsRegular():
			if path.Ext(name) == ".sql" {
				w.found = append(w.found, foundScript{path: p, viaLink: viaLink, entry: d})
			}
		case d.IsDir():
		default:
			if path.Ext(name) == ".sql" {
				w.errs = append(w.errs, &Error{Path: p, Msg: "not a regular file (" + t.String() + ")", Err: fs.ErrInvalid})
			}
		}
		return nil
	})
	if err != nil {
		w.errs = append(w.errs, &Error{Path: dir, Msg: "cannot read script directory: " + err.Error(), Err: err})
	}
}

// link follows the symbolic link p, met while walking root.
func (w *walker) link(root, p string, ancestors []fs.FileInfo, depth int) {
	isSQL := path.Ext(p) == ".sql"
	fi, err := fs.Stat(w.fsys, p)
	if err != nil {
		// A broken link named *.sql is a script that cannot be read; any
		// other broken link cannot hold one that is known of.
		if isSQL {
			w.errs = append(w.errs, &Error{Path: p, Msg: "cannot read (symbolic link): " + err.Error(), Err: err})
		}
		return
	}
	switch {
	case fi.Mode().IsRegular():
		if isSQL {
			w.found = append(w.found, foundScript{path: p, viaLink: true, info: fi})
		}
	case fi.IsDir():
		chain := slices.Clone(ancestors)
		// The folders between root and p, which WalkDir does not report
		// as ancestors.
		if rel, ok := strings.CutPrefix(path.Dir(p), root); ok {
			cur := root
			for _, part := range strings.Split(strings.Trim(rel, "/"), "/") {
				if part == "" {
					continue
				}
				cur = path.Join(cur, part)
				if afi, err := fs.Stat(w.fsys, cur); err == nil {
					chain = append(chain, afi)
				}
			}
		}
		for _, a := range chain {
			if os.SameFile(a, fi) {
				w.errs = append(w.errs, &Error{Path: p, Msg: "symbolic link loop: it points to a folder that encloses it", Err: fs.ErrInvalid})
				return
			}
		}
		if depth+1 > maxLinkDepth {
			w.errs = append(w.errs, &Error{Path: p, Msg: "too many nested symbolic links to folders (a loop?)", Err: fs.ErrInvalid})
			return
		}
		w.walk(p, append(chain, fi), true, depth+1)
	default:
		if isSQL {
			w.errs = append(w.errs, &Error{Path: p, Msg: "not a regular file (symbolic link to " + fi.Mode().Type().String() + ")", Err: fs.ErrInvalid})
		}
	}
}

// paths returns the found paths, sorted, each file once: when links make
// one file reachable by several paths, the path reached without a link is
// kept, else the first in order.
func (w *walker) paths() []string {
	found := w.found
	if slices.ContainsFunc(found, func(f foundScript) bool { return f.viaLink }) {
		slices.SortFunc(found, func(a, b foundScript) int {
			if a.viaLink != b.viaLink {
				if a.viaLink {
					return 1
				}
				return -1
			}
			return strings.Compare(a.path, b.path)
		})
		infos := make([]fs.FileInfo, len(found))
		for i := range found {
			infos[i] = found[i].info
			if infos[i] == nil && found[i].entry != nil {
				infos[i], _ = found[i].entry.Info()
			}
		}
		kept := found[:0:0]
		keptInfos := []fs.FileInfo{}
		for i, f := range found {
			dup := false
			if f.viaLink && infos[i] != nil {
				for _, k := range keptInfos {
					if k != nil && os.SameFile(k, infos[i]) {
						dup = true
						break
					}
				}
			}
			if !dup {
				kept = append(kept, f)
				keptInfos = append(keptInfos, infos[i])
			}
		}
		found = kept
	}
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.path
	}
	slices.Sort(out)
	return out
}
