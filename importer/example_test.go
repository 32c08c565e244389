package importer_test

import (
	"fmt"

	"github.com/retort-sql/retort/importer"
)

func ExampleGoose() {
	r, err := importer.Goose("testdata/goose")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range r.Files {
		fmt.Printf("%s (revision %s, down %v)\n", f.Name, f.Revision.ID, f.Revision.Down)
	}
	fmt.Print(string(r.Files[1].Data))
	// Output:
	// 00001_create_account.sql (revision 1, down [])
	// 00002_index.sql (revision 2, down [1])
	// -- migrate:revision 2
	// -- migrate:down_revision 1
	// -- migrate:message index
	// -- | Imported from goose migration 00002_index.sql.
	//
	// -- migrate:upgrade transaction=false
	// CREATE INDEX CONCURRENTLY ix_account_id ON account (id);
	//
	// -- migrate:downgrade transaction=false
	// DROP INDEX CONCURRENTLY ix_account_id;
}
