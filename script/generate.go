package script

import (
	"crypto/rand"
	"encoding/hex"
	"strings"

	"github.com/retort-sql/retort/revgraph"
)

// lineBreaks turns the line breaks of a message into spaces.
var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// NewID returns a new 12-character lowercase hex revision id, as Alembic
// generates them, from crypto/rand.
func NewID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Render returns the text of a new script file for rev, with an upgrade and
// a downgrade section holding upgradeSQL and downgradeSQL.
//
// The header lists revision, down_revision, branch_labels, depends_on,
// message and create_date, in that order. down_revision is always written
// (empty for a base) so that the file says where it stands; the other
// optional directives are left out when empty. Line breaks in the message
// become spaces, since a directive is one line. rev.Origin is not written.
// Parse reads the result back to rev (with Origin set to the path), as
// long as the SQL holds no line that starts with `-- migrate:`.
func Render(rev revgraph.Revision, createDate string, upgradeSQL, downgradeSQL string) []byte {
	var b strings.Builder
	directive := func(name, value string) {
		b.WriteString("-- migrate:")
		b.WriteString(name)
		if value != "" {
			b.WriteByte(' ')
			b.WriteString(value)
		}
		b.WriteByte('\n')
	}
	directive(dirRevision, rev.ID)
	directive(dirDownRevision, strings.Join(rev.Down, ", "))
	if len(rev.BranchLabels) > 0 {
		directive(dirBranchLabels, strings.Join(rev.BranchLabels, ", "))
	}
	if len(rev.DependsOn) > 0 {
		directive(dirDependsOn, strings.Join(rev.DependsOn, ", "))
	}
	if msg := strings.TrimSpace(lineBreaks.Replace(rev.Message)); msg != "" {
		directive(dirMessage, msg)
	}
	if d := strings.TrimSpace(createDate); d != "" {
		directive(dirCreateDate, d)
	}
	section := func(name, sql string) {
		b.WriteByte('\n')
		directive(name, "")
		if sql = strings.TrimSpace(sql); sql != "" {
			b.WriteString(sql)
			b.WriteByte('\n')
		}
	}
	section(dirUpgrade, upgradeSQL)
	section(dirDowngrade, downgradeSQL)
	return []byte(b.String())
}
