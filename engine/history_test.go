package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retort-sql/retort/engine"
)

func TestHistoryRecordsEveryRun(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, linear())
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Downgrade(t.Context(), "b2"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Stamp(t.Context(), "c3", false); err != nil {
			t.Fatal(err)
		}
		hist, err := e.AppliedHistory(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, h.Direction+" "+h.Revision+" "+h.Status)
			if h.StartedAt.IsZero() || time.Since(h.StartedAt) > time.Hour {
				t.Errorf("%s: started_at %v", h.Revision, h.StartedAt)
			}
			if h.Direction != "stamp" && len(h.Checksum) != 64 {
				t.Errorf("%s: checksum %q", h.Revision, h.Checksum)
			}
			if !strings.HasPrefix(h.Tool, "retort") {
				t.Errorf("tool %q", h.Tool)
			}
			if db.name == "postgres" && h.DBUser == "" {
				t.Errorf("db_user empty")
			}
		}
		want := []string{"upgrade a1 done", "upgrade b2 done", "upgrade c3 done", "downgrade c3 done", "stamp c3 done"}
		if !slices.Equal(got, want) {
			t.Fatalf("history %v, want %v", got, want)
		}
	})
}

func TestDriftIsReported(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		if _, err := open(t, db, linear()).Upgrade(t.Context(), "b2"); err != nil {
			t.Fatal(err)
		}
		edited := linear()
		edited["0001_a.sql"] = sqlFile("a1", "", "CREATE TABLE t_a (id bigint PRIMARY KEY);", "DROP TABLE t_a;")
		e := open(t, db, edited)
		_, err := e.Upgrade(t.Context(), "head")
		var de *engine.DriftError
		if !errors.As(err, &de) || !errors.Is(err, engine.ErrDrift) || len(de.Drifts) != 1 || de.Drifts[0].Revision != "a1" || de.Drifts[0].Path != "0001_a.sql" ||
			strings.Contains(err.Error(), "--") {
			t.Fatalf("want drift of a1, got %v", err)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"b2"}) {
			t.Fatalf("upgrade ran over drift: %v", got)
		}
		if err := e.Check(t.Context()); !errors.Is(err, engine.ErrDrift) {
			t.Fatalf("check: %v", err)
		}
		allow := open(t, db, edited, func(c *engine.Config) { c.AllowDrift = true })
		if _, err := allow.Upgrade(t.Context(), "head"); err != nil {
			t.Fatalf("with AllowDrift: %v", err)
		}

		// A version row whose revision the scripts lost.
		shorter := linear()
		delete(shorter, "0003_c.sql")
		_, err = open(t, db, shorter, func(c *engine.Config) { c.AllowDrift = false }).Upgrade(t.Context(), "head")
		if !errors.As(err, &de) || de.Drifts[len(de.Drifts)-1].Revision != "c3" || !strings.Contains(err.Error(), "missing from the scripts") {
			t.Fatalf("missing revision: %v", err)
		}
	})
}

// noTxFS has a transaction=false section of three statements, the second of
// which fails while "boom" exists.
func noTxFS() fstest.MapFS {
	return fstest.MapFS{
		"1.sql": sqlFile("n1", "", "CREATE TABLE boom (id int);\nCREATE TABLE steps (n int);", "DROP TABLE steps;\nDROP TABLE boom;"),
		"2.sql": {Data: []byte("-- migrate:revision n2\n-- migrate:down_revision n1\n-- migrate:upgrade transaction=false\n" +
			"INSERT INTO steps VALUES (1);\nINSERT INTO boom SELECT * FROM boom_gate;\nINSERT INTO steps VALUES (3);\n" +
			"-- migrate:downgrade\nDELETE FROM steps;\n")},
	}
}

func TestInterruptedNoTxSectionAndResume(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, noTxFS())
		_, err := e.Upgrade(t.Context(), "head")
		var re *engine.RevisionError
		if !errors.As(err, &re) || re.Revision != "n2" || re.Line != 5 {
			t.Fatalf("first run: %v", err)
		}
		// Statement 1 ran and is recorded; the version row stays at n1.
		if got := db.versionRows(t); !slices.Equal(got, []string{"n1"}) {
			t.Fatalf("version rows %v", got)
		}
		_, err = e.Upgrade(t.Context(), "head")
		var ie *engine.InterruptedError
		if !errors.As(err, &ie) || ie.Revision != "n2" || ie.Done != 1 || ie.Total != 3 || !strings.Contains(err.Error(), "n2") || strings.Contains(err.Error(), "--") {
			t.Fatalf("second run: %v", err)
		}
		if err := e.Check(t.Context()); !errors.Is(err, engine.ErrInterrupted) {
			t.Fatalf("check: %v", err)
		}
		// Fix the cause and resume: statements 2 and 3 run, statement 1 does not run again.
		ctx := context.WithoutCancel(t.Context())
		c, err := db.inspect.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, "CREATE TABLE boom_gate (id int)"); err != nil {
			t.Fatal(err)
		}
		c.Release()
		res := open(t, db, noTxFS(), func(c *engine.Config) { c.Resume = true })
		if _, err := res.Upgrade(t.Context(), "head"); err != nil {
			t.Fatalf("resume: %v", err)
		}
		if got := db.query(t, 1, "SELECT n FROM steps ORDER BY n"); len(got) != 2 || asInt(got[0][0]) != 1 || asInt(got[1][0]) != 3 {
			t.Fatalf("steps after resume: %v", got)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"n2"}) {
			t.Fatalf("version rows after resume: %v", got)
		}
		if err := res.Check(t.Context()); err != nil {
			t.Fatalf("check after resume: %v", err)
		}
	})
}

func TestStampClearsInterruption(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, noTxFS())
		if _, err := e.Upgrade(t.Context(), "head"); err == nil {
			t.Fatal("upgrade succeeded")
		}
		if _, err := e.Stamp(t.Context(), "n2", false); err != nil {
			t.Fatal(err)
		}
		if err := e.Check(t.Context()); err != nil {
			t.Fatalf("check after stamp: %v", err)
		}
	})
}
