package postgres_test

import (
	"fmt"

	"github.com/retort-sql/retort/adapter"
	"github.com/retort-sql/retort/adapter/postgres"
)

// The dialect needs no database: offline mode renders its SQL.
func ExampleDialect() {
	d := postgres.Dialect{}
	vt := adapter.Ident{Schema: "billing", Name: "migrate_version"}
	for _, stmt := range d.CreateVersionTable(vt) {
		fmt.Println(stmt + ";")
	}
	fmt.Println(d.UpdateHead(vt) + ";")
	// Output:
	// CREATE SCHEMA IF NOT EXISTS "billing";
	// CREATE TABLE IF NOT EXISTS "billing"."migrate_version" (version_num VARCHAR(255) NOT NULL, CONSTRAINT "migrate_version_pkc" PRIMARY KEY (version_num));
	// UPDATE "billing"."migrate_version" SET version_num = $1 WHERE version_num = $2;
}
