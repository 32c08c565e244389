package revgraph_test

import (
	"fmt"

	"github.com/retort-sql/retort/revgraph"
)

func Example() {
	g, err := revgraph.New([]revgraph.Revision{
		{ID: "1975ea83b712", Message: "create account"},
		{ID: "ae1027a6acf0", Down: []string{"1975ea83b712"}, Message: "add email"},
		{ID: "27c6a30d7c24", Down: []string{"1975ea83b712"}, BranchLabels: []string{"billing"}, Message: "create invoice"},
		{ID: "55af2cb1c267", Down: []string{"ae1027a6acf0", "27c6a30d7c24"}, Message: "merge"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("heads:", g.Heads(), "branch points:", g.BranchPoints())

	plan, err := g.Upgrade([]string{"ae1027a6acf0"}, "head")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range plan.Steps {
		fmt.Println(s.Direction, s.Revision.ID, s.Ops)
	}
	fmt.Println("rows:", plan.From, "->", plan.To)

	ids, err := g.Resolve("ae10", nil)
	fmt.Println(ids, err)
	_, err = g.Resolve("1975+1", nil)
	fmt.Println(err)
	// Output:
	// heads: [55af2cb1c267] branch points: [1975ea83b712]
	// upgrade 27c6a30d7c24 [insert 27c6a30d7c24]
	// upgrade 55af2cb1c267 [delete ae1027a6acf0 update 27c6a30d7c24 -> 55af2cb1c267]
	// rows: [ae1027a6acf0] -> [55af2cb1c267]
	// [ae1027a6acf0] <nil>
	// relative revision 1975+1: ambiguous walk up from 1975ea83b712: it could continue to ae1027a6acf0 or 27c6a30d7c24; name the revision or use <branch>@+1
}
