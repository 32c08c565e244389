package script

import "github.com/retort-sql/retort/revgraph"

// File is one parsed revision script.
type File struct {
	// Path is the file's path within the script source.
	Path string
	// Revision is the header; Revision.Origin equals Path.
	Revision revgraph.Revision
	// CreateDate is the value of `-- migrate:create_date`, verbatim; it
	// is informational and may be empty.
	CreateDate string
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
	// Checksum is a hex SHA-256 of the section's normalised SQL: each
	// statement with line endings made LF and trailing blanks removed from
	// every line, followed by ";\n". Comments between statements and
	// whitespace at line ends do not change it.
	Checksum string
}

// Statement is one SQL statement of a section.
type Statement struct {
	// SQL is the statement text without its terminating semicolon, from
	// its first token to its last non-blank character. Comments before
	// the first token are dropped; comments inside are kept.
	SQL string
	// Line is the 1-based line of the file where the statement starts
	// (the line of its first token).
	Line int
}
