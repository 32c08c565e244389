// Package revgraph is Retort's revision graph: Alembic's model of revisions
// with branches, merges, branch labels and cross-branch dependencies, and the
// plans that move a database's version rows from one set of heads to another.
//
// The package is pure: it does no I/O and issues no SQL. A [Graph] is built
// once with [New], which validates everything up front (duplicate ids,
// missing parents, unknown dependencies, labels used twice, cycles) and
// reports every problem at once. A built Graph is immutable and safe for
// concurrent use by any number of goroutines.
package revgraph
