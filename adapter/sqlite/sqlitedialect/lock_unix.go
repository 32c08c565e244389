//go:build unix

package sqlitedialect

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLockFile opens path and takes an exclusive flock on it without
// waiting. The kernel drops the lock when the file is closed, also when the
// process dies, so a crashed holder never leaves a stale lock.
func tryLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, errLocked
		}
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	return f, nil
}

// unlockFile drops the lock by closing the file. The file stays, so that
// every holder locks the same inode.
func unlockFile(f *os.File) error {
	return f.Close()
}
