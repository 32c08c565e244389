// Package script reads revision scripts: SQL files with a `-- migrate:`
// header and upgrade/downgrade sections, from any fs.FS (embed.FS
// included), and splits their sections into statements.
package script

import (
	"errors"
	"io/fs"

	"github.com/retort-sql/retort/revgraph"
)

// File is one parsed revision script.
type File struct {
	// Path is the file's path within the script source.
	Path string
	// Revision is the header; Revision.Origin equals Path.
	Revision revgraph.Revision
	// Upgrade is the `-- migrate:upgrade` section; never nil after Parse.
	Upgrade *Section
	// Downgrade is the `-- migrate:downgrade` section; nil when the file
	// has none, which makes the revision irreversible.
	Downgrade *Section
}

// Section is one upgrade or downgrade section.
type Section struct {
	// Line is the 1-based line of the section directive.
	Line int
	// NoTx is set by `transaction=false`: the section runs outside any
	// transaction.
	NoTx bool
	// Statements are the section's statements in order.
	Statements []Statement
	// Checksum is a hex SHA-256 of the section's normalised SQL.
	Checksum string
}

// Statement is one SQL statement of a section.
type Statement struct {
	// SQL is the statement text without its terminating semicolon.
	SQL string
	// Line is the 1-based line of the file where the statement starts.
	Line int
}

var errUnbuilt = errors.New("script: not implemented")

// Parse parses one script file. path is used in error messages.
func Parse(path string, data []byte) (*File, error) { return nil, errUnbuilt }

// Load reads every *.sql file below dir in fsys (nested folders included),
// in a stable order, and parses each. All problems are reported, joined.
func Load(fsys fs.FS, dir string) ([]*File, error) { return nil, errUnbuilt }

// Split splits SQL text into statements. firstLine is the file line where
// text starts.
func Split(text string, firstLine int) ([]Statement, error) { return nil, errUnbuilt }

// NewID returns a new 12-character lowercase hex revision id.
func NewID() (string, error) { return "", errUnbuilt }

// Render returns the text of a new script file for rev, with an upgrade and
// a downgrade section holding upgradeSQL and downgradeSQL.
func Render(rev revgraph.Revision, createDate string, upgradeSQL, downgradeSQL string) []byte {
	return nil
}
