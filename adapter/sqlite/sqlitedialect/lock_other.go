//go:build !unix

package sqlitedialect

import (
	"errors"
	"fmt"
	"os"
)

// tryLockFile creates path exclusively. A holder that crashes leaves the
// file behind; it must then be deleted by hand.
func tryLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("create lock file: %w", err)
	}
	fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

// unlockFile closes and removes the lock file.
func unlockFile(f *os.File) error {
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}
