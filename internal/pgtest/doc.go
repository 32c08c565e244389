// Package pgtest finds or starts a PostgreSQL server for tests and gives each
// test its own empty database. It is for tests only: nothing outside _test.go
// files may import it.
//
// The server is found once per process, in this order:
//
//  1. the URL in MIGRATE_TEST_POSTGRES_URL, when set;
//  2. postgres://postgres@127.0.0.1:5432/postgres, unless
//     MIGRATE_TEST_POSTGRES_NO_DEFAULT is set to a non-empty value;
//  3. a throwaway cluster made with initdb and pg_ctl (found on PATH or under
//     /usr/lib/postgresql/*/bin) in a temporary directory, listening on a
//     free port of 127.0.0.1 with trust authentication. When the process runs
//     as root, initdb and pg_ctl run as the user postgres. [Main] stops the
//     cluster and removes its directory when the tests finish.
//
// When none of these gives a server, [URL] skips the test, or fails it when
// the CI environment variable is set (to anything but "false" or "0").
package pgtest
