package engine

import "testing"

func TestTerminate(t *testing.T) {
	tests := []struct {
		sql   string
		delim bool
		want  string
	}{
		{"SELECT 1", false, "SELECT 1;\n\n"},
		{"SELECT 1;", false, "SELECT 1;\n\n"},
		{"SELECT 1 -- note", false, "SELECT 1 -- note\n;\n\n"},
		{"CREATE TABLE t (x int) # note", false, "CREATE TABLE t (x int) # note\n;\n\n"},
		{"SELECT 1 -- c;\n", false, "SELECT 1 -- c;\n;\n\n"},
		{"SELECT 'a -- b'\n  , 2", false, "SELECT 'a -- b'\n  , 2;\n\n"},
		{"CREATE PROCEDURE p() BEGIN SELECT 1; END", true, "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; END\n$$\nDELIMITER ;\n\n"},
		{"CREATE PROCEDURE p() BEGIN SELECT '$$'; END", true, "DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT '$$'; END\n//\nDELIMITER ;\n\n"},
		{"CREATE TABLE t (x int) -- c", true, "CREATE TABLE t (x int) -- c\n;\n\n"},
	}
	for _, tt := range tests {
		if got := terminate(tt.sql, tt.delim); got != tt.want {
			t.Errorf("terminate(%q, %v) = %q, want %q", tt.sql, tt.delim, got, tt.want)
		}
	}
}
