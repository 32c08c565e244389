package engine_test

import (
	"context"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/retort-sql/retort/engine"
)

// TestConcurrentIndexWithWaiters runs a leader whose revision builds an index
// with CREATE INDEX CONCURRENTLY (transaction=false) while 8 other engines
// wait for the migration lock. CREATE INDEX CONCURRENTLY waits for every
// open transaction; waiters that held one while blocked on the lock would
// deadlock it. They poll instead, so everyone finishes.
func TestConcurrentIndexWithWaiters(t *testing.T) {
	db := postgresDB(t)
	fs := fstest.MapFS{
		"1.sql": sqlFile("t1", "", "CREATE TABLE big (id int, v text);\nINSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 200000) g;", "DROP TABLE big;"),
		"2.sql": {Data: []byte("-- migrate:revision i2\n-- migrate:down_revision t1\n-- migrate:upgrade transaction=false\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n-- migrate:downgrade transaction=false\nDROP INDEX CONCURRENTLY big_v;\n")},
		"3.sql": sqlFile("t3", "i2", "CREATE TABLE after_index (id int);", "DROP TABLE after_index;"),
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var g errgroup.Group
	for i := range 9 {
		e := open(t, db, fs, func(c *engine.Config) { c.TxMode = engine.TxMode(i % 2) })
		g.Go(func() error {
			_, err := e.Upgrade(ctx, "head")
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := db.versionRows(t); len(got) != 1 || got[0] != "t3" {
		t.Fatalf("version rows %v", got)
	}
	rows := db.query(t, 1, "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_v'")
	if rows[0][0] != int64(1) {
		t.Fatal("index big_v was not built")
	}
	valid := db.query(t, 1, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v'::regclass")
	if valid[0][0] != true {
		t.Fatal("index big_v is not valid")
	}
}
