package script

// Syntax selects the rules statements are split by.
type Syntax int8

const (
	// SyntaxStandard is PostgreSQL's and SQLite's: [Split].
	SyntaxStandard Syntax = iota
	// SyntaxMySQL is MySQL's and MariaDB's: [SplitMySQL].
	SyntaxMySQL
)

// SyntaxFor returns the syntax of a dialect name (adapter.Dialect.Name):
// SyntaxMySQL for "mysql", SyntaxStandard otherwise.
func SyntaxFor(dialect string) Syntax {
	if dialect == "mysql" {
		return SyntaxMySQL
	}
	return SyntaxStandard
}

func (s Syntax) split(text string, firstLine int) ([]Statement, error) {
	if s == SyntaxMySQL {
		return SplitMySQL(text, firstLine)
	}
	return Split(text, firstLine)
}

// Checksum returns the checksum of statements as [Section.Checksum] has it;
// Checksum(sec.Statements[:n]) covers the first n statements of a section.
func Checksum(stmts []Statement) string { return checksum(stmts) }
