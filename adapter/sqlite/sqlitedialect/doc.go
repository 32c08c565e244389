// Package sqlitedialect is SQLite's SQL, identifier rules and migration
// lock, with no driver: adapter/sqlite (on ncruces/go-sqlite3) and
// adapter/sqldb (on any database/sql driver) share it, so that a program
// that uses one of them links nothing of the other.
package sqlitedialect
