package engine_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/engine"
)

func TestHistoryTableFor(t *testing.T) {
	for _, tc := range []struct{ version, want string }{
		{"migrate_version", "migrate_history"},
		{"app_version", "app_history"},
		{"alembic_version", "alembic_history"},
		{"versions", "versions_history"},
		{"_version", "_version_history"},
	} {
		got := engine.HistoryTableFor(adapter.Ident{Schema: "s", Name: tc.version})
		if got != (adapter.Ident{Schema: "s", Name: tc.want}) {
			t.Errorf("HistoryTableFor(s.%s) = %v, want s.%s", tc.version, got, tc.want)
		}
	}
}

// Two independent script sets with their own version tables share one
// schema: each has its own history, so neither sees the other's revisions
// as drift, whichever order they are upgraded and downgraded in.
func TestScriptSetsShareSchema(t *testing.T) {
	setA := fstest.MapFS{
		"a1.sql": sqlFile("aaa1", "", "CREATE TABLE a_t (id int);", "DROP TABLE a_t;"),
		"a2.sql": sqlFile("aaa2", "aaa1", "CREATE TABLE a_u (id int);", "DROP TABLE a_u;"),
	}
	setB := fstest.MapFS{
		"b1.sql": sqlFile("bbb1", "", "CREATE TABLE b_t (id int);", "DROP TABLE b_t;"),
	}
	eachDB(t, func(t *testing.T, db *testDB) {
		for _, order := range []string{"ab", "ba"} {
			t.Run(order, func(t *testing.T) {
				vt := map[byte]string{'a': "app_" + order + "_version", 'b': "billing_" + order + "_version"}
				sets := map[byte]fstest.MapFS{'a': setA, 'b': setB}
				eng := func(k byte) *engine.Engine {
					return open(t, db, sets[k], func(c *engine.Config) { c.VersionTable = vt[k] })
				}
				first, second := order[0], order[1]
				for _, k := range []byte{first, second} {
					if _, err := eng(k).Upgrade(t.Context(), "head"); err != nil {
						t.Fatalf("upgrade set %c: %v", k, err)
					}
				}
				for _, k := range []byte{first, second} {
					if err := eng(k).Check(t.Context()); err != nil {
						t.Fatalf("check set %c: %v", k, err)
					}
				}
				// Downgrade in the same order as the upgrades, not the
				// reverse: neither may depend on the other.
				if _, err := eng(first).Downgrade(t.Context(), "base"); err != nil {
					t.Fatalf("downgrade set %c: %v", first, err)
				}
				if err := eng(second).Check(t.Context()); err != nil {
					t.Fatalf("check set %c after downgrading %c: %v", second, first, err)
				}
				if _, err := eng(second).Downgrade(t.Context(), "base"); err != nil {
					t.Fatalf("downgrade set %c: %v", second, err)
				}
				tables := db.tables(t)
				for _, want := range []string{"app_" + order + "_history", "billing_" + order + "_history"} {
					if !contains(tables, want) {
						t.Errorf("no history table %s among %v", want, tables)
					}
				}
				for k, prefix := range map[byte]string{'a': "aaa", 'b': "bbb"} {
					hist, err := eng(k).AppliedHistory(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					if len(hist) == 0 {
						t.Fatalf("set %c has no history", k)
					}
					for _, h := range hist {
						if !strings.HasPrefix(h.Revision, prefix) {
							t.Fatalf("set %c's history holds %s", k, h.Revision)
						}
					}
				}
			})
		}
	})
}

// A database migrated when every version table wrote to migrate_history
// keeps using it for that version table, so drift is still seen; a set
// that starts afresh gets its own table.
func TestLegacySharedHistoryKeepsWorking(t *testing.T) {
	setA := fstest.MapFS{
		"a1.sql": sqlFile("aaa1", "", "CREATE TABLE a_t (id int);", "DROP TABLE a_t;"),
	}
	eachDB(t, func(t *testing.T, db *testDB) {
		// As earlier releases did: app_version's history in migrate_history.
		old := open(t, db, setA, func(c *engine.Config) {
			c.VersionTable, c.HistoryTable = "app_version", "migrate_history"
		})
		if _, err := old.Upgrade(t.Context(), "head"); err != nil {
			t.Fatal(err)
		}
		edited := fstest.MapFS{
			"a1.sql": sqlFile("aaa1", "", "CREATE TABLE a_t (id bigint);", "DROP TABLE a_t;"),
		}
		e := open(t, db, edited, func(c *engine.Config) { c.VersionTable = "app_version" })
		if _, err := e.Upgrade(t.Context(), "head"); !errors.Is(err, engine.ErrDrift) {
			t.Fatalf("upgrade over an edited applied script: got %v, want ErrDrift from the shared history", err)
		}
		hist, err := e.AppliedHistory(t.Context())
		if err != nil || len(hist) != 1 || hist[0].Revision != "aaa1" {
			t.Fatalf("history through the shared table: %v, %v", hist, err)
		}
		if contains(db.tables(t), "app_history") {
			t.Fatal("app_history created beside the shared table in use")
		}
		setB := fstest.MapFS{"b1.sql": sqlFile("bbb1", "", "CREATE TABLE b_t (id int);", "DROP TABLE b_t;")}
		if _, err := open(t, db, setB, func(c *engine.Config) { c.VersionTable = "billing_version" }).Upgrade(t.Context(), "head"); err != nil {
			t.Fatalf("a new set beside the shared history: %v", err)
		}
		if !contains(db.tables(t), "billing_history") {
			t.Fatal("the new set has no history table of its own")
		}
	})
}
