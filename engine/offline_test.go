package engine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
	"github.com/retort-sql/retort/script"
)

// offline renders the SQL of one run without a database.
func offline(t *testing.T, dialect string, run func(e *engine.Engine) error, mut ...func(*engine.Config)) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	cfg := engine.Config{Dialect: dialect, Scripts: branched(), Offline: &buf}
	for _, m := range mut {
		m(&cfg)
	}
	e, err := dbopen.Engine(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	err = run(e)
	return buf.String(), err
}

// execScript runs an offline script against db through the inspection pool.
func execScript(t *testing.T, db *testDB, sql string) {
	t.Helper()
	stmts, err := script.Split(sql, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.WithoutCancel(t.Context())
	c, err := db.inspect.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s.SQL); err != nil {
			t.Fatalf("line %d %q: %v", s.Line, s.SQL, err)
		}
	}
}

func TestOfflineScriptMatchesOnlineUpgrade(t *testing.T) {
	eachDB(t, func(t *testing.T, db *testDB) {
		var buf bytes.Buffer
		e, err := dbopen.Engine(t.Context(), engine.Config{Dialect: db.name, Scripts: branched(), Offline: &buf})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Upgrade(t.Context(), "base:heads"); err != nil {
			t.Fatal(err)
		}
		sql := buf.String()
		for _, want := range []string{"BEGIN;", "COMMIT;", "CREATE TABLE IF NOT EXISTS", "-- upgrade x1", "INSERT INTO", "UPDATE", "DELETE FROM"} {
			if !strings.Contains(sql, want) {
				t.Errorf("offline script lacks %q:\n%s", want, sql)
			}
		}
		execScript(t, db, sql)
		offTables, offRows := db.tables(t), db.versionRows(t)

		// The same upgrade online, on a fresh database of the same kind.
		var online *testDB
		switch db.name {
		case "postgres":
			online = postgresDB(t)
		case "mysql":
			online = mysqlDB(t)
		default:
			online = sqliteDB(t)
		}
		on := open(t, online, branched())
		if _, err := on.Upgrade(t.Context(), "heads"); err != nil {
			t.Fatal(err)
		}
		if got := online.tables(t); !slices.Equal(got, offTables) {
			t.Fatalf("tables: offline %v, online %v", offTables, got)
		}
		if got := online.versionRows(t); !slices.Equal(got, offRows) || !slices.Equal(offRows, []string{"m2"}) {
			t.Fatalf("version rows: offline %v, online %v", offRows, got)
		}

		// And back down, from the range's start.
		buf.Reset()
		if _, err := e.Downgrade(t.Context(), "m2:base"); err != nil {
			t.Fatal(err)
		}
		execScript(t, db, buf.String())
		if got := db.tables(t); !slices.Equal(got, []string{"migrate_history", "migrate_version"}) {
			t.Fatalf("after offline downgrade: %v", got)
		}
		if got := db.versionRows(t); len(got) != 0 {
			t.Fatalf("after offline downgrade: rows %v", got)
		}
	})
}

func TestOfflineRefusals(t *testing.T) {
	_, err := offline(t, "postgres", func(e *engine.Engine) error {
		_, err := e.Downgrade(t.Context(), "base")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "range") {
		t.Fatalf("downgrade without a range: %v", err)
	}
	_, err = offline(t, "sqlite", func(e *engine.Engine) error {
		_, err := e.Current(t.Context())
		return err
	})
	if !errors.Is(err, engine.ErrOffline) {
		t.Fatalf("Current offline: %v", err)
	}
	gorev := func(c *engine.Config) {
		c.GoRevisions = []engine.GoRevision{{
			Revision: revgraph.Revision{ID: "q9", Down: []string{"m2"}},
			Up: func(c engine.Conn) error {
				rows, err := c.Query("SELECT 1")
				if err == nil {
					rows.Close()
				}
				return err
			},
		}}
	}
	_, err = offline(t, "sqlite", func(e *engine.Engine) error {
		_, err := e.Upgrade(t.Context(), "heads")
		return err
	}, gorev)
	var re *engine.RevisionError
	if !errors.Is(err, engine.ErrOffline) || !errors.As(err, &re) || re.Revision != "q9" {
		t.Fatalf("Go revision querying offline: %v", err)
	}
}

func TestOfflineGoRevisionExecIsRecorded(t *testing.T) {
	out, err := offline(t, "postgres", func(e *engine.Engine) error {
		_, err := e.Upgrade(t.Context(), "heads")
		return err
	}, func(c *engine.Config) {
		c.GoRevisions = []engine.GoRevision{{
			Revision: revgraph.Revision{ID: "q9", Down: []string{"m2"}},
			Up: func(c engine.Conn) error {
				_, err := c.Exec("UPDATE t0 SET id = 1")
				return err
			},
		}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "UPDATE t0 SET id = 1;") || !strings.Contains(out, "'q9'") {
		t.Fatalf("offline output:\n%s", out)
	}
}

// TestOfflineFailureWritesNothing: a run that fails in offline mode leaves
// its writer empty, so that a redirect never holds a truncated script.
func TestOfflineFailureWritesNothing(t *testing.T) {
	twoHeads := fstest.MapFS{
		"a.sql": sqlFile("a1", "", "CREATE TABLE a (id int);", "DROP TABLE a;"),
		"b.sql": sqlFile("b1", "a1", "CREATE TABLE b (id int);", "DROP TABLE b;"),
		"c.sql": sqlFile("c1", "a1", "CREATE TABLE c (id int);", "DROP TABLE c;"),
	}
	failing := func(c *engine.Config) {
		c.GoRevisions = []engine.GoRevision{{
			Revision: revgraph.Revision{ID: "g9", Down: []string{"b1"}},
			Up: func(c engine.Conn) error {
				if _, err := c.Exec("UPDATE b SET id = 1"); err != nil {
					return err
				}
				return errors.New("boom")
			},
		}}
	}
	for _, tc := range []struct {
		name, target string
		mut          func(*engine.Config)
	}{
		{"two heads", "head", nil},
		{"bad range start", "zz9:heads", nil},
		{"range without end", "a1:", nil},
		{"a Go revision fails midway", "a1:g9", failing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			cfg := engine.Config{Dialect: "postgres", Opener: dbopen.Opener{}, Scripts: twoHeads, Offline: &buf}
			if tc.mut != nil {
				tc.mut(&cfg)
			}
			e, err := dbopen.Engine(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if _, err := e.Upgrade(t.Context(), tc.target); err == nil {
				t.Fatalf("upgrade %s succeeded:\n%s", tc.target, buf.String())
			}
			if buf.Len() != 0 {
				t.Fatalf("upgrade %s failed but wrote:\n%s", tc.target, buf.String())
			}
		})
	}
}

// TestOfflineHistoryRowsRecordTheApplyingSession: the history rows of an
// offline script carry the applying session's clock and user, not the
// generating machine's host name and clock.
func TestOfflineHistoryRowsRecordTheApplyingSession(t *testing.T) {
	host, _ := os.Hostname()
	eachDB(t, func(t *testing.T, db *testDB) {
		out, err := offline(t, db.name, func(e *engine.Engine) error {
			_, err := e.Upgrade(t.Context(), "heads")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if host != "" && strings.Contains(out, host) {
			t.Errorf("offline script names the generating host %q:\n%s", host, out)
		}
		if year := time.Now().UTC().Format("2006-"); strings.Contains(out, "'"+year) {
			t.Errorf("offline script carries the generating clock:\n%s", out)
		}
		// Applied now: started_at must be the database's clock.
		before := time.Now().Add(-time.Minute)
		execScript(t, db, out)
		e := open(t, db, branched())
		hist, err := e.AppliedHistory(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) == 0 {
			t.Fatal("no history rows")
		}
		for _, h := range hist {
			if h.StartedAt.Before(before) || h.StartedAt.After(time.Now().Add(time.Minute)) {
				t.Errorf("%s: started_at %v, want the applying session's clock (about %v)", h.Revision, h.StartedAt, time.Now())
			}
			if h.Host != "" {
				t.Errorf("%s: client_host %q, want it left out", h.Revision, h.Host)
			}
			if db.name == "postgres" && h.DBUser != "postgres" {
				t.Errorf("%s: db_user %q, want the applying role", h.Revision, h.DBUser)
			}
		}
	})
}
