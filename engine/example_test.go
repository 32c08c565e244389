package engine_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"testing/fstest"

	"github.com/ncruces/go-sqlite3"

	"github.com/retort-sql/retort/adapter/sqlite"
	"github.com/retort-sql/retort/engine"
	dbopen "github.com/retort-sql/retort/open"
	"github.com/retort-sql/retort/revgraph"
)

// exampleScripts is a two-revision script directory. A real program would
// use os.DirFS("migrations") or an embed.FS.
var exampleScripts = fstest.MapFS{
	"0001_account.sql": {Data: []byte(`-- migrate:revision a1b2c3d4e5f6
-- migrate:message create account

-- migrate:upgrade
CREATE TABLE account (id integer PRIMARY KEY, email text NOT NULL);

-- migrate:downgrade
DROP TABLE account;
`)},
	"0002_note.sql": {Data: []byte(`-- migrate:revision b2c3d4e5f6a7
-- migrate:down_revision a1b2c3d4e5f6
-- migrate:message create note

-- migrate:upgrade
CREATE TABLE note (id integer PRIMARY KEY, account_id integer REFERENCES account (id), body text);

-- migrate:downgrade
DROP TABLE note;
`)},
}

// Open loads the scripts and builds the revision graph (any script or graph
// problem is reported here, before a connection is made); Upgrade applies
// what is missing; Current reads the version table.
func ExampleOpen() {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{
		URL:     "sqlite::memory:", // or postgres://…, sqlite:app.db
		Opener:  dbopen.Opener{},   // turns the URL into a pool; open.Engine sets it
		Scripts: exampleScripts,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()

	res, err := eng.Upgrade(ctx, "head")
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range res.Applied {
		fmt.Println(a.Direction, a.Revision, a.Message)
	}
	cur, err := eng.Current(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("current:", cur)
	fmt.Println("check:", eng.Check(ctx))
	// Output:
	// upgrade a1b2c3d4e5f6 create account
	// upgrade b2c3d4e5f6a7 create note
	// current: [b2c3d4e5f6a7]
	// check: <nil>
}

// Downgrade takes the same target forms as Alembic: an id, a relative step
// such as -1, or base.
func ExampleEngine_Downgrade() {
	ctx := context.Background()
	eng, err := dbopen.Engine(ctx, engine.Config{URL: "sqlite::memory:", Scripts: exampleScripts})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Upgrade(ctx, "head"); err != nil {
		log.Fatal(err)
	}

	res, err := eng.Downgrade(ctx, "-1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.From, "->", res.To)
	err = eng.Check(ctx)
	fmt.Println(errors.Is(err, engine.ErrNotAtHead), err)
	// Output:
	// [b2c3d4e5f6a7] -> [a1b2c3d4e5f6]
	// true database is not at head: current a1b2c3d4e5f6, 1 pending (b2c3d4e5f6a7)
}

// RunSync hands synchronous code a connection bound to ctx, as Alembic's
// connection.run_sync does: Exec and Query take no context, yet a cancel
// or deadline of ctx interrupts the statement in flight.
func ExampleRunSync() {
	ctx := context.Background()
	pool, err := sqlite.Open(ctx, sqlite.MemoryPath)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx) // waits for a free connection under ctx
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Release() // whoever acquires releases; RunSync never does

	err = engine.RunSync(ctx, conn, func(c engine.Conn) error {
		if _, err := c.Exec("CREATE TABLE t (n integer)"); err != nil {
			return err
		}
		n, err := c.Exec("INSERT INTO t (n) VALUES (?), (?), (?)", 1, 2, 3)
		if err != nil {
			return err
		}
		fmt.Println("inserted", n, "rows on", c.Dialect())
		rows, err := c.Query("SELECT sum(n) FROM t")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sum int64
			if err := rows.Scan(&sum); err != nil {
				return err
			}
			fmt.Println("sum", sum)
		}
		return rows.Err()
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// inserted 3 rows on sqlite
	// sum 6
}

// A caller that holds a connection in a transaction passes it as
// Config.Conn (Alembic's config.attributes["connection"]). The engine then
// begins and commits nothing: the caller's rollback undoes every revision
// and every version row.
func ExampleConfig_sharedConnection() {
	ctx := context.Background()
	conn, err := sqlite3.Open(":memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	if err := conn.Exec("BEGIN"); err != nil {
		log.Fatal(err)
	}
	eng, err := engine.Open(ctx, engine.Config{
		Conn:    sqlite.FromConn(conn), // on PostgreSQL: postgres.FromTx(tx)
		Scripts: exampleScripts,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Upgrade(ctx, "head"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("inside the transaction:", tables(conn))

	if err := conn.Exec("ROLLBACK"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after rollback:", tables(conn))
	// Output:
	// inside the transaction: [account migrate_version note]
	// after rollback: []
}

// tables lists which of the example's tables and the version table exist.
func tables(conn *sqlite3.Conn) []string {
	stmt, _, err := conn.Prepare(`SELECT name FROM sqlite_master
		WHERE type = 'table' AND name IN ('account', 'note', 'migrate_version') ORDER BY name`)
	if err != nil {
		log.Fatal(err)
	}
	defer stmt.Close()
	names := []string{}
	for stmt.Step() {
		names = append(names, stmt.ColumnText(0))
	}
	return names
}

// UpgradeAll upgrades a fleet (one database or schema per tenant)
// concurrently and reports every target, in the order given.
func ExampleUpgradeAll() {
	dir, err := os.MkdirTemp("", "tenants")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	var targets []engine.Target
	for _, tenant := range []string{"acme", "globex", "initech"} {
		targets = append(targets, engine.Target{
			Name: tenant,
			Config: engine.Config{
				URL:     "sqlite:" + filepath.Join(dir, tenant+".db"),
				Opener:  dbopen.Opener{},
				Scripts: exampleScripts,
			},
		})
	}
	results := engine.UpgradeAll(context.Background(), targets, "head", engine.FanOutOptions{Concurrency: 2})
	for _, r := range results {
		if r.Err != nil {
			fmt.Println(r.Name, "failed:", r.Err)
			continue
		}
		fmt.Println(r.Name, len(r.Result.Applied), "applied, now at", r.Result.To)
	}
	// Output:
	// acme 2 applied, now at [b2c3d4e5f6a7]
	// globex 2 applied, now at [b2c3d4e5f6a7]
	// initech 2 applied, now at [b2c3d4e5f6a7]
}

// A Go revision takes part in the graph like a script and receives the
// same synchronous Conn: here a data migration on top of the scripts.
func ExampleGoRevision() {
	ctx := context.Background()
	seed := engine.GoRevision{
		Revision: revgraph.Revision{
			ID:      "c3d4e5f6a7b8",
			Down:    []string{"b2c3d4e5f6a7"},
			Message: "seed the admin account",
		},
		Up: func(c engine.Conn) error {
			_, err := c.Exec("INSERT INTO account (id, email) VALUES (1, 'admin@example.com')")
			return err
		},
		Down: func(c engine.Conn) error {
			_, err := c.Exec("DELETE FROM account WHERE id = 1")
			return err
		},
	}
	eng, err := dbopen.Engine(ctx, engine.Config{
		URL:         "sqlite::memory:",
		Scripts:     exampleScripts,
		GoRevisions: []engine.GoRevision{seed},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	res, err := eng.Upgrade(ctx, "head")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Applied), "applied, heads:", eng.Heads())
	// Output:
	// 3 applied, heads: [c3d4e5f6a7b8]
}

// A round trip of every revision, the test that catches a downgrade that
// does not undo its upgrade: up one, down one, up again, until the
// database is at head. (A graph with several heads needs an explicit
// target per branch, such as billing@+1.)
func Example_roundTrip() {
	ctx := context.Background()
	eng, err := dbopen.Engine(ctx, engine.Config{URL: "sqlite::memory:", Scripts: exampleScripts})
	if err != nil {
		log.Fatal(err)
	}
	defer eng.Close()
	for {
		err := eng.Check(ctx)
		if err == nil {
			break
		}
		if !errors.Is(err, engine.ErrNotAtHead) {
			log.Fatal(err)
		}
		up, err := eng.Upgrade(ctx, "+1")
		if err != nil {
			log.Fatal(err)
		}
		if _, err := eng.Downgrade(ctx, "-1"); err != nil {
			log.Fatal(err)
		}
		if _, err := eng.Upgrade(ctx, "+1"); err != nil {
			log.Fatal(err)
		}
		fmt.Println("up, down, up:", up.Applied[0].Revision)
	}
	// Output:
	// up, down, up: a1b2c3d4e5f6
	// up, down, up: b2c3d4e5f6a7
}
