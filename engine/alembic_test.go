package engine_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
)

// dependsAcross is lib a1 -> b1 -> c1 and app a2 -> b2 -> c2, where b2
// depends on b1 (the graph of Alembic's DependsOnBranchTestOne).
func dependsAcross() fstest.MapFS {
	file := func(rev, down, extra string) *fstest.MapFile {
		s := "-- migrate:revision " + rev + "\n"
		if down != "" {
			s += "-- migrate:down_revision " + down + "\n"
		}
		s += extra + "-- migrate:upgrade\nCREATE TABLE t_" + rev + " (id int);\n-- migrate:downgrade\nDROP TABLE t_" + rev + ";\n"
		return &fstest.MapFile{Data: []byte(s)}
	}
	return fstest.MapFS{
		"a1.sql": file("a1", "", "-- migrate:branch_labels lib\n"),
		"b1.sql": file("b1", "a1", ""),
		"c1.sql": file("c1", "b1", ""),
		"a2.sql": file("a2", "", "-- migrate:branch_labels app\n"),
		"b2.sql": file("b2", "a2", "-- migrate:depends_on b1\n"),
		"c2.sql": file("c2", "b2", ""),
	}
}

// TestDowngradeLabelAtRevisionOutsideTheLabel: label@rev where rev is not
// one of the label's own revisions downgrades as Alembic 1.8 does
// (recorded in revgraph/testdata/alembic/explicit.json).
func TestDowngradeLabelAtRevisionOutsideTheLabel(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, dependsAcross())
		for _, tc := range []struct {
			target string
			want   []string
		}{
			{"heads", []string{"c1", "c2"}},
			{"app@b1", []string{"c2"}}, // reverts c1, lib's revision above b1
			{"heads", []string{"c1", "c2"}},
			{"app@a1", []string{"a1", "a2"}}, // both lineages above a1
		} {
			var err error
			if tc.target == "heads" {
				_, err = e.Upgrade(t.Context(), "heads")
			} else {
				_, err = e.Downgrade(t.Context(), tc.target)
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.target, err)
			}
			if got := db.versionRows(t); !slices.Equal(got, tc.want) {
				t.Fatalf("after %s: rows %v, want %v", tc.target, got, tc.want)
			}
		}
		if _, err := e.Downgrade(t.Context(), "nosuch@a1"); err == nil || !strings.Contains(err.Error(), "nosuch") {
			t.Errorf("unknown label: %v", err)
		}
	})
}

// TestStampSeveralTargets: stamp a b stamps each, as Alembic does.
func TestStampSeveralTargets(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, dependsAcross())
		if _, err := e.StampAll(t.Context(), []string{"b1", "b2"}, false); err != nil {
			t.Fatal(err)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"b1", "b2"}) {
			t.Fatalf("rows %v, want [b1 b2]", got)
		}
		// Alembic: from [c1 c2], stamping a1 and c2 leaves [a1].
		if _, err := e.StampAll(t.Context(), []string{"c1", "c2"}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.StampAll(t.Context(), []string{"a1", "c2"}, false); err != nil {
			t.Fatal(err)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"a1"}) {
			t.Fatalf("rows %v, want [a1]", got)
		}
		if _, err := e.StampAll(t.Context(), []string{"a1", "zzzz"}, false); err == nil || !strings.Contains(err.Error(), "zzzz") {
			t.Errorf("unknown second target: %v", err)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"a1"}) {
			t.Fatalf("a refused stamp changed the rows: %v", got)
		}
	})
	var buf bytes.Buffer
	e, err := dbopen.Engine(t.Context(), engine.Config{Dialect: "postgres", Scripts: dependsAcross(), Offline: &buf})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.StampAll(t.Context(), []string{"c1", "b2"}, false); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "VALUES ('c1')") || !strings.Contains(out, "VALUES ('b2')") {
		t.Errorf("offline stamp c1 b2:\n%s", out)
	}
}
