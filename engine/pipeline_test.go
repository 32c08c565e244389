package engine_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/engine"
)

// perRevision sets the per-revision transaction mode, where PostgreSQL
// sends each revision's BEGIN, statements and version-row change in one
// batch.
func perRevision(c *engine.Config) { c.TxMode = engine.TxPerRevision }

// TestPerRevisionFailureNamesStatement checks that a failing statement of a
// batched revision is reported with its revision, file, line and text,
// whichever statement of the batch it is, and that the revision is undone
// while the ones before it stay committed with their history rows.
func TestPerRevisionFailureNamesStatement(t *testing.T) {
	cases := []struct {
		name, body string
		line       int
		stmt       string
	}{
		{"first statement", "INSERT INTO no_such_table VALUES (1);\nCREATE TABLE t_c (id int PRIMARY KEY);", 6, "INSERT INTO no_such_table VALUES (1)"},
		{"last statement", "CREATE TABLE t_c (id int PRIMARY KEY);\nCREATE TABLE t_x (id int PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);", 8, "INSERT INTO no_such_table VALUES (1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := linear()
			fs["0003_c.sql"] = sqlFile("c3", "b2", tc.body, "DROP TABLE t_c;")
			eachTransactionalDB(t, func(t *testing.T, db *testDB) {
				e := open(t, db, fs, perRevision)
				res, err := e.Upgrade(t.Context(), "head")
				var re *engine.RevisionError
				if !errors.As(err, &re) {
					t.Fatalf("want RevisionError, got %v", err)
				}
				if re.Revision != "c3" || re.Path != "0003_c.sql" || re.Line != tc.line || re.Statement != tc.stmt {
					t.Fatalf("error names %s %s:%d %q, want c3 0003_c.sql:%d %q (%v)", re.Revision, re.Path, re.Line, re.Statement, tc.line, tc.stmt, err)
				}
				if !strings.Contains(err.Error(), "no_such_table") {
					t.Errorf("error lacks the database's message: %v", err)
				}
				if got := appliedIDs(res); !slices.Equal(got, []string{"a1", "b2"}) {
					t.Errorf("applied %v, want [a1 b2]", got)
				}
				if got := db.versionRows(t); !slices.Equal(got, []string{"b2"}) {
					t.Errorf("version rows %v, want [b2]", got)
				}
				if got := db.tables(t); contains(got, "t_c") || contains(got, "t_x") {
					t.Errorf("failed revision left its tables: %v", got)
				}
				hist, err := e.AppliedHistory(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				var revs []string
				for _, h := range hist {
					revs = append(revs, h.Revision+" "+h.Status)
				}
				if !slices.Equal(revs, []string{"a1 done", "b2 done"}) {
					t.Errorf("history %v, want a1 and b2 done", revs)
				}
				// The database is usable afterwards: fix nothing, go down.
				if _, err := e.Downgrade(t.Context(), "base"); err != nil {
					t.Fatalf("downgrade after the failure: %v", err)
				}
				if got := db.versionRows(t); len(got) != 0 {
					t.Errorf("version rows after downgrade %v", got)
				}
			})
		})
	}
}

// TestPerRevisionChecksVersionRowBeforeCommit makes a revision delete the
// version row its own bookkeeping then updates: the UPDATE finds no row,
// and the revision must be rolled back, not committed, although its
// statements and the UPDATE travel in one batch.
func TestPerRevisionChecksVersionRowBeforeCommit(t *testing.T) {
	fs := fstest.MapFS{
		"0001_a.sql": sqlFile("a1", "", "CREATE TABLE t_a (id int PRIMARY KEY);", "DROP TABLE t_a;"),
		"0002_b.sql": sqlFile("b2", "a1", "CREATE TABLE t_b (id int PRIMARY KEY);\nDELETE FROM migrate_version;", "DROP TABLE t_b;"),
	}
	eachTransactionalDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, fs, perRevision)
		res, err := e.Upgrade(t.Context(), "head")
		if err == nil || !strings.Contains(err.Error(), "expected to update one row from a1 to b2") {
			t.Fatalf("want the version-row check to fail, got %v", err)
		}
		if got := appliedIDs(res); !slices.Equal(got, []string{"a1"}) {
			t.Errorf("applied %v, want [a1]", got)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"a1"}) {
			t.Errorf("version rows %v, want [a1]: the failed revision committed", got)
		}
		if got := db.tables(t); contains(got, "t_b") {
			t.Errorf("failed revision left t_b: %v", got)
		}
	})
}

// TestLoadGraphReadsHeadersOnly checks that LoadGraph builds the graph from
// the headers alone, so that a script whose body is broken still shows in
// heads and history, while Open, which needs the bodies, reports it.
func TestLoadGraphReadsHeadersOnly(t *testing.T) {
	fs := linear()
	fs["0003_c.sql"] = sqlFile("c3", "b2", "SELECT 'unterminated;", "-")
	g, err := engine.LoadGraph(engine.Config{URL: "sqlite::memory:", Scripts: fs})
	if err != nil {
		t.Fatalf("LoadGraph: %v", err)
	}
	if heads := g.Heads(); !slices.Equal(heads, []string{"c3"}) {
		t.Errorf("heads %v, want [c3]", heads)
	}
	fs["0004_d.sql"] = &fstest.MapFile{Data: []byte("-- migrate:revision d4\n-- migrate:down_revision c3\n-- migrate:bogus\n-- migrate:upgrade\nSELECT 1;\n")}
	if _, err := engine.LoadGraph(engine.Config{URL: "sqlite::memory:", Scripts: fs}); err == nil || !strings.Contains(err.Error(), "0004_d.sql:3") {
		t.Errorf("a header problem must still fail LoadGraph, naming file and line: %v", err)
	}
	delete(fs, "0004_d.sql")
	if _, err := engine.Open(t.Context(), engine.Config{URL: "sqlite::memory:", Scripts: fs}); err == nil || !strings.Contains(err.Error(), "0003_c.sql") {
		t.Errorf("Open must report the broken body: %v", err)
	}
}

// TestPerRevisionFenceInBatch runs SQL revisions in per-revision mode under
// a lease lock, whose fencing check joins each revision's batch. A revision
// that hands the lease to another holder (as a stall longer than the lease
// would) must fail its check and roll back, named in a CommitError, while
// the revisions before it stay committed.
func TestPerRevisionFenceInBatch(t *testing.T) {
	db := postgresDB(t)
	p, err := postgres.Open(t.Context(), db.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	l := postgres.NewLeaseLocker(p, postgres.LeaseOptions{Lease: 10 * time.Second})
	fs := fstest.MapFS{
		"1.sql": sqlFile("f1", "", "CREATE TABLE t_f1 (id int);", "DROP TABLE t_f1;"),
		"2.sql": sqlFile("f2", "f1", "CREATE TABLE t_f2 (id int);\nUPDATE migrate_version_lock SET holder = 'thief', token = 'thief';", "DROP TABLE t_f2;"),
		"3.sql": sqlFile("f3", "f2", "CREATE TABLE t_f3 (id int);", "DROP TABLE t_f3;"),
	}
	e := open(t, db, fs, perRevision, func(c *engine.Config) { c.Locker = l })
	// A fenced run that keeps the lease goes through.
	if _, err := e.Upgrade(t.Context(), "f1"); err != nil {
		t.Fatal(err)
	}
	_, err = e.Upgrade(t.Context(), "head")
	if !errors.Is(err, adapter.ErrLockLost) {
		t.Fatalf("got %v, want adapter.ErrLockLost", err)
	}
	ce, ok := errors.AsType[*engine.CommitError](err)
	if !ok || len(ce.Revisions) != 1 || ce.Revisions[0].Revision != "f2" {
		t.Fatalf("error %v does not name f2's transaction", err)
	}
	if got := db.versionRows(t); !slices.Equal(got, []string{"f1"}) {
		t.Errorf("version rows %v, want [f1]", got)
	}
	if got := db.tables(t); contains(got, "t_f2") || contains(got, "t_f3") {
		t.Errorf("the fenced-out revision committed: %v", got)
	}
}
