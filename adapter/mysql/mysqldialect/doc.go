// Package mysqldialect is MySQL's and MariaDB's SQL, identifier rules and
// migration lock, with no driver: adapter/mysql (on go-sql-driver/mysql)
// and adapter/sqldb share it. Every function works through the adapter SPI.
package mysqldialect
