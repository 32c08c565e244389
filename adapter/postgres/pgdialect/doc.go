// Package pgdialect is PostgreSQL's SQL, identifier rules and migration
// lock, with no driver: adapter/postgres (on pgx) and adapter/sqldb (on any
// database/sql driver) share it, so that a program that uses one of them
// links nothing of the other. Every function works through the adapter SPI.
package pgdialect
