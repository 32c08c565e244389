package postgres

import "testing"

func TestSetsExecMode(t *testing.T) {
	for _, tc := range []struct {
		conn string
		want bool
	}{
		{"postgres://u@h/db", false},
		{"postgres://u@h/db?sslmode=disable", false},
		{"postgres://u@h/db?default_query_exec_mode=simple_protocol", true},
		{"postgresql://u@h/db?sslmode=disable&default_query_exec_mode=cache_describe", true},
		// A password that merely contains the words sets nothing.
		{"postgres://u:default_query_exec_mode@h/db", false},
		{"host=h dbname=db", false},
		{"host=h default_query_exec_mode=exec", true},
		{"host=h password=default_query_exec_mode", false},
	} {
		if got := setsExecMode(tc.conn); got != tc.want {
			t.Errorf("setsExecMode(%q) = %v, want %v", tc.conn, got, tc.want)
		}
	}
}
