package sqlite_test

import (
	"context"
	"fmt"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/sqlite"
)

func Example() {
	ctx := context.Background()
	pool, err := sqlite.Open(ctx, sqlite.MemoryPath)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()

	conn, err := pool.Acquire(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Release()

	d := pool.Dialect()
	vt := adapter.Ident{Name: "migrate_version"}
	for _, stmt := range d.CreateVersionTable(vt) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			fmt.Println(err)
			return
		}
	}
	if _, err := conn.Exec(ctx, d.InsertHead(vt), "1975ea83b712"); err != nil {
		fmt.Println(err)
		return
	}
	rows, err := conn.Query(ctx, d.SelectHeads(vt))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var head string
		if err := rows.Scan(&head); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("head:", head)
	}
	// Output: head: 1975ea83b712
}
