package engine_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
)

// linear is a three-revision chain a1 → b2 → c3, each creating a table.
func linear() fstest.MapFS {
	return fstest.MapFS{
		"0001_a.sql": sqlFile("a1", "", "CREATE TABLE t_a (id int PRIMARY KEY);", "DROP TABLE t_a;"),
		"0002_b.sql": sqlFile("b2", "a1", "CREATE TABLE t_b (id int PRIMARY KEY);\nINSERT INTO t_b VALUES (1);", "DROP TABLE t_b;"),
		"0003_c.sql": sqlFile("c3", "b2", "CREATE TABLE t_c (id int PRIMARY KEY);", "DROP TABLE t_c;"),
	}
}

func appliedIDs(r *engine.Result) []string {
	var ids []string
	for _, a := range r.Applied {
		ids = append(ids, a.Revision)
	}
	return ids
}

func TestUpgradeDowngradeRoundTrip(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		for _, mode := range []engine.TxMode{engine.TxPerRun, engine.TxPerRevision} {
			e := open(t, db, linear(), func(c *engine.Config) { c.TxMode = mode })
			res, err := e.Upgrade(t.Context(), "head")
			if err != nil {
				t.Fatal(err)
			}
			if got := appliedIDs(res); !slices.Equal(got, []string{"a1", "b2", "c3"}) {
				t.Fatalf("mode %d: applied %v", mode, got)
			}
			if got := db.versionRows(t); !slices.Equal(got, []string{"c3"}) {
				t.Fatalf("version rows %v, want [c3]", got)
			}
			if got := db.tables(t); !slices.Equal(got, []string{"migrate_history", "migrate_version", "t_a", "t_b", "t_c"}) {
				t.Fatalf("tables %v", got)
			}
			cur, err := e.Current(t.Context())
			if err != nil || !slices.Equal(cur, []string{"c3"}) {
				t.Fatalf("current %v, %v", cur, err)
			}
			if err := e.Check(t.Context()); err != nil {
				t.Fatalf("check at head: %v", err)
			}

			res, err = e.Downgrade(t.Context(), "-1")
			if err != nil {
				t.Fatal(err)
			}
			if got := appliedIDs(res); !slices.Equal(got, []string{"c3"}) || res.Applied[0].Direction != revgraph.Down {
				t.Fatalf("downgrade -1 ran %v", res.Applied)
			}
			if err := e.Check(t.Context()); !errors.Is(err, engine.ErrNotAtHead) {
				t.Fatalf("check below head: %v", err)
			}
			if _, err := e.Downgrade(t.Context(), "base"); err != nil {
				t.Fatal(err)
			}
			if got := db.versionRows(t); len(got) != 0 {
				t.Fatalf("version rows after downgrade base: %v", got)
			}
			if got := db.tables(t); !slices.Equal(got, []string{"migrate_history", "migrate_version"}) {
				t.Fatalf("tables after downgrade base: %v", got)
			}
		}
	})
}

func TestUpgradeAlreadyAtHeadIsNoop(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, linear())
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		res, err := e.Upgrade(t.Context(), "head")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) != 0 || !slices.Equal(res.From, []string{"c3"}) {
			t.Fatalf("second upgrade: %+v", res)
		}
	})
}

func TestFailedStatementRollsBack(t *testing.T) {
	fs := linear()
	fs["0003_c.sql"] = sqlFile("c3", "b2", "CREATE TABLE t_c (id int PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);", "DROP TABLE t_c;")
	eachTransactionalDB(t, func(t *testing.T, db *testDB) {
		t.Run("per-run", func(t *testing.T) {
			e := open(t, db, fs)
			res, err := e.Upgrade(t.Context(), "head")
			var re *engine.RevisionError
			if !errors.As(err, &re) {
				t.Fatalf("want RevisionError, got %v", err)
			}
			if re.Revision != "c3" || re.Path != "0003_c.sql" || re.Line != 7 {
				t.Fatalf("error names %s %s:%d, want c3 0003_c.sql:7 (%v)", re.Revision, re.Path, re.Line, err)
			}
			if !strings.Contains(err.Error(), "no_such_table") {
				t.Fatalf("error lacks the database's message: %v", err)
			}
			if len(res.Applied) != 0 {
				t.Fatalf("per-run mode reported applied %v", appliedIDs(res))
			}
			if got := db.versionRows(t); len(got) != 0 {
				t.Fatalf("version rows after failed run: %v", got)
			}
			// The whole run was one transaction, version table included.
			if got := db.tables(t); len(got) != 0 {
				t.Fatalf("tables after failed run: %v", got)
			}
		})
		t.Run("per-revision", func(t *testing.T) {
			e := open(t, db, fs, func(c *engine.Config) { c.TxMode = engine.TxPerRevision })
			res, err := e.Upgrade(t.Context(), "head")
			if err == nil {
				t.Fatal("upgrade succeeded")
			}
			if got := appliedIDs(res); !slices.Equal(got, []string{"a1", "b2"}) {
				t.Fatalf("applied %v, want [a1 b2]", got)
			}
			if got := db.versionRows(t); !slices.Equal(got, []string{"b2"}) {
				t.Fatalf("version rows %v, want [b2]", got)
			}
			if got := db.tables(t); contains(got, "t_c") {
				t.Fatalf("failed revision left t_c: %v", got)
			}
		})
	})
}

func TestIrreversibleDowngradeFailsBeforeRunning(t *testing.T) {
	fs := linear()
	fs["0002_b.sql"] = sqlFile("b2", "a1", "CREATE TABLE t_b (id int PRIMARY KEY);", "-")
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, fs)
		if _, err := e.Upgrade(t.Context(), "heads"); err != nil {
			t.Fatal(err)
		}
		_, err := e.Downgrade(t.Context(), "base")
		var ie *engine.IrreversibleError
		if !errors.As(err, &ie) || ie.Revision != "b2" || !errors.Is(err, engine.ErrIrreversible) {
			t.Fatalf("want irreversible b2, got %v", err)
		}
		if got := db.versionRows(t); !slices.Equal(got, []string{"c3"}) {
			t.Fatalf("version rows changed: %v", got)
		}
		if got := db.tables(t); !contains(got, "t_c") {
			t.Fatalf("c3 was reverted before the irreversible check: %v", got)
		}
	})
}

func TestCurrentCreatesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, linear())
		cur, err := e.Current(t.Context())
		if err != nil || len(cur) != 0 {
			t.Fatalf("current on empty database: %v, %v", cur, err)
		}
		if got := db.tables(t); len(got) != 0 {
			t.Fatalf("Current created %v", got)
		}
	})
}

// branched: base → (x1 on branch "left", y1 on branch "right") → merge m.
func branched() fstest.MapFS {
	return fstest.MapFS{
		"base.sql": sqlFile("base0", "", "CREATE TABLE t0 (id int);", "DROP TABLE t0;"),
		"x1.sql":   {Data: []byte("-- migrate:revision x1\n-- migrate:down_revision base0\n-- migrate:branch_labels left\n-- migrate:upgrade\nCREATE TABLE tx (id int);\n-- migrate:downgrade\nDROP TABLE tx;\n")},
		"y1.sql":   {Data: []byte("-- migrate:revision y1\n-- migrate:down_revision base0\n-- migrate:branch_labels right\n-- migrate:upgrade\nCREATE TABLE ty (id int);\n-- migrate:downgrade\nDROP TABLE ty;\n")},
		"m.sql":    sqlFile("m2", "x1, y1", "", ""),
	}
}

func TestBranchesAndMergeMoveVersionRows(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		e := open(t, db, branched())
		steps := []struct {
			run  func() (*engine.Result, error)
			rows []string
		}{
			{func() (*engine.Result, error) { return e.Upgrade(t.Context(), "x1") }, []string{"x1"}},
			{func() (*engine.Result, error) { return e.Upgrade(t.Context(), "y1") }, []string{"x1", "y1"}},
			{func() (*engine.Result, error) { return e.Upgrade(t.Context(), "left@head") }, []string{"m2"}},
			{func() (*engine.Result, error) { return e.Downgrade(t.Context(), "y1") }, []string{"x1", "y1"}},
			{func() (*engine.Result, error) { return e.Downgrade(t.Context(), "base0") }, []string{"base0"}},
			{func() (*engine.Result, error) { return e.Stamp(t.Context(), "m2", false) }, []string{"m2"}},
			{func() (*engine.Result, error) { return e.Stamp(t.Context(), "x1", true) }, []string{"x1"}},
		}
		for i, s := range steps {
			res, err := s.run()
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			got := db.versionRows(t)
			if !slices.Equal(got, s.rows) {
				t.Fatalf("step %d: version rows %v, want %v", i, got, s.rows)
			}
			to := slices.Sorted(slices.Values(res.To))
			if !slices.Equal(to, s.rows) {
				t.Fatalf("step %d: Result.To %v, want %v", i, to, s.rows)
			}
		}
	})
}

func TestBadTargetFailsBeforeConnecting(t *testing.T) {
	path := t.TempDir() + "/never.db"
	e, err := dbopen.Engine(t.Context(), engine.Config{URL: "sqlite:" + path, Scripts: linear()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, target := range []string{"nosuchrev", "zz"} {
		if _, err := e.Upgrade(t.Context(), target); !errors.Is(err, revgraph.ErrNotFound) {
			t.Fatalf("%s: want not found, got %v", target, err)
		}
	}
}

func TestUnreachableDatabaseHidesPassword(t *testing.T) {
	_, err := dbopen.Engine(t.Context(), engine.Config{URL: "postgres://u:s3cr3t@127.0.0.1:1/none?connect_timeout=1", Scripts: linear()})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("password in error: %v", err)
	}
}

func TestOpenReportsGraphErrors(t *testing.T) {
	fs := linear()
	fs["0004_dup.sql"] = sqlFile("b2", "a1", "SELECT 1;", "")
	fs["0005_orphan.sql"] = sqlFile("d4", "zz9", "SELECT 1;", "")
	_, err := dbopen.Engine(t.Context(), engine.Config{URL: "sqlite::memory:", Scripts: fs})
	if err == nil {
		t.Fatal("Open accepted a duplicate id and a missing parent")
	}
	for _, want := range []string{"b2", "0004_dup.sql", "zz9", "0005_orphan.sql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

func TestVersionTableName(t *testing.T) {
	for _, tc := range []struct {
		in      string
		schema  string
		name    string
		wantErr bool
	}{
		{"", "", "migrate_version", false},
		{"versions", "", "versions", false},
		{"app.versions", "app", "versions", false},
		{`x"; DROP TABLE y; --`, "", "", true},
		{"a.b.c", "", "", true},
		{".v", "", "", true},
		{"1abc", "", "", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			id, err := engine.ParseTableName(tc.in, engine.DefaultVersionTable)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err == nil && (id.Schema != tc.schema || id.Name != tc.name) {
				t.Fatalf("got %+v", id)
			}
		})
	}
}

// TestTableNameLimitsComeFromTheDialect: the engine checks that a table
// name is a plain identifier; how long it may be is the database's rule.
func TestTableNameLimitsComeFromTheDialect(t *testing.T) {
	long := strings.Repeat("v", 70)
	eachDB(t, func(t *testing.T, db *testDB) {
		e, err := dbopen.Engine(t.Context(), engine.Config{URL: db.url, Scripts: linear(), VersionTable: long})
		if db.name == "postgres" {
			if err == nil || !strings.Contains(err.Error(), "longer than 63 bytes") {
				t.Fatalf("a 70-byte name on PostgreSQL: got %v, want the dialect's length error", err)
			}
			return
		}
		if db.name == "mysql" {
			if err == nil || !strings.Contains(err.Error(), "longer than 64 characters") {
				t.Fatalf("a 70-character name on MySQL: got %v, want the dialect's length error", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		if _, err := e.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range db.query(t, 1, "SELECT version_num FROM "+long) {
			rows = append(rows, asString(r[0]))
		}
		if !slices.Equal(rows, []string{"c3"}) {
			t.Errorf("version rows %v, want [c3]", rows)
		}
	})
}
