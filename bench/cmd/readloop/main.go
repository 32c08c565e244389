// Command readloop reads every file below a folder, one after another, and
// exits: the floor the peers harness (W4) sets beside commands that read a
// script directory of the same files.
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: readloop DIR")
		os.Exit(2)
	}
	files, bytes := 0, 0
	err := filepath.WalkDir(os.Args[1], func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		bytes += len(data)
		return nil
	})
	if err != nil || files == 0 {
		fmt.Fprintln(os.Stderr, "readloop:", err, files, "files")
		os.Exit(1)
	}
}
