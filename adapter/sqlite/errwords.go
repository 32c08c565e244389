package sqlite

import (
	"errors"
	"fmt"

	"github.com/ncruces/go-sqlite3"
)

// storageError adds, to an error SQLite raised about its storage, what it
// means in words and its code name: "disk I/O error" alone does not say
// whether the disk is full, the file read-only or the device failing.
// Other errors are returned as they are.
func storageError(err error) error {
	var (
		code sqlite3.ErrorCode
		ext  sqlite3.ExtendedErrorCode
		se   *sqlite3.Error
	)
	switch {
	case errors.As(err, &se):
		code, ext = se.Code(), se.ExtendedCode()
	case errors.As(err, &ext):
		code = sqlite3.ErrorCode(ext & 0xff)
	case errors.As(err, &code):
		ext = sqlite3.ExtendedErrorCode(code)
	default:
		return err
	}
	var words string
	switch code {
	case sqlite3.FULL:
		words = "the disk or the database is full (SQLITE_FULL)"
	case sqlite3.READONLY:
		words = "the database is read-only (" + extendedName(ext) + ")"
	case sqlite3.IOERR:
		words = "the operating system reported an I/O error on the database files (" + extendedName(ext) + ")"
	case sqlite3.CORRUPT:
		words = "the database file is corrupt (SQLITE_CORRUPT)"
	case sqlite3.NOTADB:
		words = "the file is not a SQLite database (SQLITE_NOTADB)"
	case sqlite3.CANTOPEN:
		words = "the database file cannot be opened (SQLITE_CANTOPEN)"
	default:
		return err
	}
	return fmt.Errorf("%s: %w", words, err)
}

// extendedName names the extended codes of the storage errors.
func extendedName(c sqlite3.ExtendedErrorCode) string {
	switch c {
	case sqlite3.IOERR_READ:
		return "SQLITE_IOERR_READ"
	case sqlite3.IOERR_SHORT_READ:
		return "SQLITE_IOERR_SHORT_READ"
	case sqlite3.IOERR_WRITE:
		return "SQLITE_IOERR_WRITE"
	case sqlite3.IOERR_FSYNC:
		return "SQLITE_IOERR_FSYNC"
	case sqlite3.IOERR_TRUNCATE:
		return "SQLITE_IOERR_TRUNCATE"
	case sqlite3.IOERR_SHMMAP:
		return "SQLITE_IOERR_SHMMAP"
	case sqlite3.IOERR_NOMEM:
		return "SQLITE_IOERR_NOMEM"
	case sqlite3.READONLY_DBMOVED:
		return "SQLITE_READONLY_DBMOVED"
	case sqlite3.READONLY_RECOVERY:
		return "SQLITE_READONLY_RECOVERY"
	case sqlite3.READONLY_CANTLOCK:
		return "SQLITE_READONLY_CANTLOCK"
	}
	switch sqlite3.ErrorCode(c & 0xff) {
	case sqlite3.IOERR:
		return fmt.Sprintf("SQLITE_IOERR, extended code %d", int(c))
	case sqlite3.READONLY:
		return fmt.Sprintf("SQLITE_READONLY, extended code %d", int(c))
	}
	return fmt.Sprintf("extended code %d", int(c))
}
