package importer

import (
	"fmt"
	"strings"

	"github.com/retort-sql/retort/script"
)

// normalStatement is a statement reduced for comparison: comment lines
// removed, the final semicolon dropped, whitespace collapsed.
func normalStatement(s string) string {
	var kept []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			kept = append(kept, l)
		}
	}
	return strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(strings.Join(kept, "\n")), ";")), " ")
}

// sameStatements checks that Retort splits the converted sections into
// exactly the statements goose would send, so that a StatementBegin block
// (a function or trigger body) is never cut differently.
func sameStatements(path string, g *gooseFile, upSQL, downSQL string) error {
	for _, d := range []struct {
		want []gooseStatement
		sql  string
	}{{g.up, upSQL}, {g.down, downSQL}} {
		got, err := script.Split(d.sql, 1)
		if err != nil {
			line := 0
			if len(d.want) > 0 {
				line = d.want[0].line
			}
			return &ParseError{Path: path, Line: line, Msg: "Retort cannot split this migration: " + err.Error()}
		}
		var gotN []string
		for _, s := range got {
			if n := normalStatement(s.SQL); n != "" {
				gotN = append(gotN, n)
			}
		}
		var wantN []gooseStatement
		for _, s := range d.want {
			if normalStatement(s.sql) != "" {
				wantN = append(wantN, s)
			}
		}
		for i, w := range wantN {
			if i >= len(gotN) || gotN[i] != normalStatement(w.sql) {
				return &ParseError{Path: path, Line: w.line, Msg: fmt.Sprintf("Retort splits this statement differently from goose (%d statements instead of %d); split it by hand", len(gotN), len(wantN))}
			}
		}
		if len(gotN) != len(wantN) {
			return &ParseError{Path: path, Msg: fmt.Sprintf("Retort splits this migration into %d statements, goose into %d", len(gotN), len(wantN))}
		}
	}
	return nil
}
