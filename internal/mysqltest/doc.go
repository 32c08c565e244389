// Package mysqltest finds or starts a MySQL or MariaDB server for tests and
// gives each test its own empty database. It is for tests only: nothing
// outside _test.go files may import it.
//
// The server is found once per process, in this order:
//
//  1. the URL in MIGRATE_TEST_MYSQL_URL (mysql://user:pass@host:port/db),
//     when set;
//  2. mysql://root@127.0.0.1:3306/, unless MIGRATE_TEST_MYSQL_NO_DEFAULT is
//     set to a non-empty value;
//  3. a throwaway server made with mariadb-install-db and mariadbd (found on
//     PATH or in /usr/sbin and /usr/bin) in a temporary directory, listening
//     on a free port of 127.0.0.1 and on a socket in that directory, root
//     without a password. As root, the server runs with --user=root.
//     [Stop] (or [Main]) shuts it down and removes its directory; the server
//     also dies with the test process.
//
// When none of these gives a server, [URL] skips the test, or fails it when
// the CI environment variable is set (to anything but "false" or "0").
//
// Databases are named retort_m_<hex>. Cleanup kills only the sessions whose
// current database is the test's own, then drops it.
package mysqltest
