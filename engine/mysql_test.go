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

// MySQL commits DDL implicitly: these tests check what the engine promises
// there instead of a rollback (see docs/decisions.md).

// failingDDL is linear() with c3 failing at its second statement, after a
// CREATE TABLE that MySQL has already committed.
func failingDDL(second string) fstest.MapFS {
	fs := linear()
	fs["0003_c.sql"] = sqlFile("c3", "b2", "CREATE TABLE t_c (id int PRIMARY KEY);\n"+second+";\nINSERT INTO t_c VALUES (3);", "DROP TABLE t_c;")
	return fs
}

func TestMySQLFailureMidRevisionLeavesExactRowsAndResumes(t *testing.T) {
	for _, mode := range []engine.TxMode{engine.TxPerRun, engine.TxPerRevision} {
		t.Run(modeName(mode), func(t *testing.T) {
			db := mysqlDB(t)
			setMode := func(c *engine.Config) { c.TxMode = mode }
			e := open(t, db, failingDDL("INSERT INTO no_such_table VALUES (1)"), setMode)
			res, err := e.Upgrade(t.Context(), "head")
			var re *engine.RevisionError
			if !errors.As(err, &re) || re.Revision != "c3" || re.Line != 7 || !strings.Contains(err.Error(), "no_such_table") {
				t.Fatalf("first run: %v", err)
			}
			// a1 and b2 are applied and say so, in both modes: a run-wide
			// transaction could not have undone their DDL.
			if got := appliedIDs(res); !slices.Equal(got, []string{"a1", "b2"}) {
				t.Fatalf("applied %v, want [a1 b2]", got)
			}
			if got := db.versionRows(t); !slices.Equal(got, []string{"b2"}) {
				t.Fatalf("version rows %v, want [b2]", got)
			}
			if got := db.tables(t); !contains(got, "t_c") {
				t.Fatalf("tables %v: the committed CREATE TABLE of c3 is missing", got)
			}
			_, err = e.Upgrade(t.Context(), "head")
			var ie *engine.InterruptedError
			if !errors.As(err, &ie) || ie.Revision != "c3" || ie.Done != 1 || ie.Total != 3 || ie.Path != "0003_c.sql" {
				t.Fatalf("second run: %v", err)
			}
			// The statement that failed may be fixed before resuming; the
			// one that ran may not.
			edited := open(t, db, failingDDL("INSERT INTO t_c VALUES (2)"), setMode)
			edited.Close()
			changed := failingDDL("INSERT INTO t_c VALUES (2)")
			changed["0003_c.sql"] = sqlFile("c3", "b2", "CREATE TABLE t_c (id bigint PRIMARY KEY);\nINSERT INTO t_c VALUES (2);\nINSERT INTO t_c VALUES (3);", "DROP TABLE t_c;")
			bad := open(t, db, changed, setMode, func(c *engine.Config) { c.Resume = true })
			if _, err := bad.Upgrade(t.Context(), "head"); err == nil || !strings.Contains(err.Error(), "statements that ran changed") {
				t.Fatalf("resume over an edited statement that ran: %v", err)
			}
			fixed := open(t, db, failingDDL("INSERT INTO t_c VALUES (2)"), setMode, func(c *engine.Config) { c.Resume = true })
			if _, err := fixed.Upgrade(t.Context(), "head"); err != nil {
				t.Fatalf("resume: %v", err)
			}
			if got := db.query(t, 1, "SELECT id FROM t_c ORDER BY id"); len(got) != 2 || asInt(got[0][0]) != 2 || asInt(got[1][0]) != 3 {
				t.Fatalf("t_c after resume: %v", got)
			}
			if got := db.versionRows(t); !slices.Equal(got, []string{"c3"}) {
				t.Fatalf("version rows after resume: %v", got)
			}
			if err := fixed.Check(t.Context()); err != nil {
				t.Fatalf("check after resume: %v", err)
			}
		})
	}
}

// A revision of data statements alone still runs in a transaction: its
// failure leaves none of its rows.
func TestMySQLDataOnlyRevisionRollsBack(t *testing.T) {
	db := mysqlDB(t)
	fs := linear()
	fs["0004_d.sql"] = sqlFile("d4", "c3", "INSERT INTO t_c VALUES (1);\nINSERT INTO t_c VALUES (2);\nINSERT INTO t_c VALUES (1);", "DELETE FROM t_c;")
	e := open(t, db, fs)
	_, err := e.Upgrade(t.Context(), "head")
	var re *engine.RevisionError
	if !errors.As(err, &re) || re.Revision != "d4" || re.Line != 8 {
		t.Fatalf("upgrade: %v", err)
	}
	if got := db.query(t, 1, "SELECT id FROM t_c"); len(got) != 0 {
		t.Fatalf("rows of the failed data revision: %v", got)
	}
	if got := db.versionRows(t); !slices.Equal(got, []string{"c3"}) {
		t.Fatalf("version rows %v, want [c3]", got)
	}
	// Nothing is left interrupted: a fixed script runs from its start.
	fs["0004_d.sql"] = sqlFile("d4", "c3", "INSERT INTO t_c VALUES (1);\nINSERT INTO t_c VALUES (2);", "DELETE FROM t_c;")
	if _, err := open(t, db, fs).Upgrade(t.Context(), "head"); err != nil {
		t.Fatal(err)
	}
	if got := db.query(t, 1, "SELECT id FROM t_c ORDER BY id"); len(got) != 2 {
		t.Fatalf("rows after the fixed run: %v", got)
	}
}

// TestMySQLCancelKillsStatementAndNamesRevision cancels SELECT SLEEP(30)
// in a revision: the statement stops on the server, the error wraps
// context.Canceled and names the revision, the lock is released, and the
// interrupted revision resumes once its slow statement is fixed.
func TestMySQLCancelKillsStatementAndNamesRevision(t *testing.T) {
	db := mysqlDB(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	e := open(t, db, slowFS(db))
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			rows := db.query(t, 1, "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE ? AND id <> CONNECTION_ID()", "%SLEEP(30) AS "+pgSlowMarker+"%")
			if asInt(rows[0][0]) > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := e.Upgrade(ctx, "head")
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "slow2") {
		t.Fatalf("cancelled upgrade: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 12*time.Second {
		t.Fatalf("upgrade returned after %v", elapsed)
	}
	if n := asInt(db.query(t, 1, "SELECT count(*) FROM information_schema.processlist WHERE db = DATABASE() AND info LIKE ? AND id <> CONNECTION_ID()", "%SLEEP(30) AS "+pgSlowMarker+"%")[0][0]); n != 0 {
		t.Fatalf("%d sessions still run the cancelled statement", n)
	}
	if got := db.versionRows(t); !slices.Equal(got, []string{"fast1"}) {
		t.Fatalf("version rows %v, want [fast1]", got)
	}
	fixed := fstest.MapFS{
		"1.sql": slowFS(db)["1.sql"],
		"2.sql": sqlFile("slow2", "fast1", "CREATE TABLE t_slow (id int);\nDO 1;", "DROP TABLE t_slow;"),
	}
	lctx, lcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer lcancel()
	_, err = open(t, db, fixed).Upgrade(lctx, "head")
	var ie *engine.InterruptedError
	if !errors.As(err, &ie) || ie.Revision != "slow2" || ie.Done != 1 {
		t.Fatalf("run after the cancel: %v", err)
	}
	if _, err := open(t, db, fixed, func(c *engine.Config) { c.Resume = true }).Upgrade(lctx, "head"); err != nil {
		t.Fatalf("resume (the lock must have been released): %v", err)
	}
	if got := db.versionRows(t); !slices.Equal(got, []string{"slow2"}) {
		t.Fatalf("version rows %v, want [slow2]", got)
	}
}
