// Command peers measures Retort beside the tools a user would pick instead
// (goose, golang-migrate, and Alembic when installed) and beside the floor:
// the same SQL through the same driver with no migration tool.
//
// Every measured run is a child process of this program, so that each tool
// starts from the same state and its peak memory (maxrss) and CPU time can
// be read from the kernel. Tools are interleaved round by round (A B C A B
// C …) so that drift in the machine hits all of them alike. The output is a
// Markdown report on stdout.
//
// Run it from the bench module:
//
//	go run ./cmd/peers
//
// PostgreSQL is reached at MIGRATE_BENCH_POSTGRES_URL, else
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; each run gets
// its own scratch database, dropped afterwards.
package main
