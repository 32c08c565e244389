// Package adaptertest is the conformance suite every [adapter] implementation
// runs against a real database: statements with arguments, transactions
// (DDL included), the dialect's version-table SQL, cancellation and deadlines
// in the middle of a statement, the migration lock, and Acquire on an
// exhausted pool. It is imported only by _test.go files.
package adaptertest
