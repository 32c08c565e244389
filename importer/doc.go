// Package importer converts the migrations of another tool into Retort SQL
// revisions with the same graph: Alembic projects (rendered by Alembic's
// own offline mode through a Python that has Alembic installed), goose SQL
// migrations, and golang-migrate up/down pairs.
//
// Each converter returns a [Result] and writes nothing; [Write] puts a
// Result into a folder, only once every source file has been read and
// every output file has been checked to parse back as a Retort script.
// A revision that cannot be converted (a goose Go migration, an Alembic
// revision that reads the database) becomes a placeholder named in
// [Result.HandEdit], with empty sections marked for hand-editing, so that
// the graph keeps its shape and nothing is dropped silently.
//
// The functions of this package are safe for concurrent use; a Result is
// not modified after it is returned.
package importer
