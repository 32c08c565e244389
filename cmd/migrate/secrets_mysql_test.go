package main_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/retort-sql/retort/internal/mysqltest"
)

// TestSecretsNeverPrintedMySQL drives the binary's error and log paths
// with MySQL URLs that carry a password, the go-sql-driver and SQLAlchemy
// forms included, and checks that no output shows it.
func TestSecretsNeverPrintedMySQL(t *testing.T) {
	bin := buildMigrate(t)
	work := t.TempDir()
	writeSecretScripts(t, work)
	my, pw := mysqlPasswordURL(t, mysqltest.URL(t))
	u, _ := url.Parse(my)
	hostPort, dbName, user := u.Host, strings.TrimPrefix(u.Path, "/"), u.User.Username()
	pymysql := "mysql+pymysql://" + user + ":" + pw + "@" + hostPort + "/" + dbName + "?charset=utf8mb4&connect_timeout=5"
	mariadb := "mariadb+mariadbconnector://" + user + ":" + pw + "@" + hostPort + "/" + dbName
	wrongPw := "mysql://" + user + ":" + pw + "x@" + hostPort + "/" + dbName
	dead := "mysql://app:" + pw + "@127.0.0.1:1/app?timeout=3s"
	noDB := "mysql://" + user + ":" + pw + "@" + hostPort + "/retort_no_such_database"
	targets := filepath.Join(work, "mysql-targets.txt")
	if err := os.WriteFile(targets, []byte("# fleet\n"+my+"\n"+dead+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	with := func(args ...string) []string {
		return append([]string{"--log-level", "trace", "--log-format", "json"}, args...)
	}
	for _, s := range []secretStep{
		{name: "unreachable", args: with("--url", dead, "upgrade"), fail: true, show: "app:xxxxx@127.0.0.1:1"},
		{name: "wrong-password", args: with("--url", wrongPw, "current"), fail: true, show: ":xxxxx@"},
		{name: "wrong-database", args: with("--url", noDB, "upgrade"), fail: true},
		{name: "sql-error", dir: "sqlerror", args: with("--url", my, "--version-table", "errs_version", "--history-table", "errs_history", "upgrade"), fail: true},
		{name: "cancelled", dir: "slowmysql", args: with("--url", my, "--version-table", "slow_version", "--history-table", "slow_history", "upgrade"), fail: true, signal: syscall.SIGINT},
		{name: "upgrade", args: with("--url", my, "upgrade")},
		{name: "current", args: with("--url", my, "current", "-v"), show: ":xxxxx@"},
		{name: "pymysql-current", args: with("--url", pymysql, "current", "-v"), show: ":xxxxx@"},
		{name: "mariadb-connector-check", args: with("--url", mariadb, "check")},
		{name: "history-applied", args: with("--url", my, "history", "--applied")},
		{name: "offline-sql", args: with("--url", my, "upgrade", "--sql", "base:head")},
		{name: "targets", args: with("upgrade", "--targets", targets, "--continue-on-error"), fail: true},
		{name: "downgrade", args: with("--url", my, "downgrade", "base")},
		{name: "migrate-url", args: with("current", "-v"), env: []string{"MIGRATE_URL=" + my}, show: ":xxxxx@"},
	} {
		t.Run(s.name, func(t *testing.T) { runSecretCheck(t, bin, work, s, pw) })
	}
}

// mysqlPasswordURL creates a user with a password that may use the test's
// database only, dropped when the test ends, and returns the database's
// URL as that user.
func mysqlPasswordURL(t *testing.T, raw string) (string, string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	db := mysqltest.DB(t, mysqltest.AdminURL(t))
	user := strings.Replace(mysqltest.NewName(), "retort_m_", "retort_u_", 1)[:24]
	dbName := strings.TrimPrefix(u.Path, "/")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for _, s := range []string{
		fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, secretPassword),
		fmt.Sprintf("GRANT ALL ON `%s`.* TO '%s'@'%%'", dbName, user),
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", strings.Replace(s, secretPassword, "xxxxx", 1), err)
		}
	}
	t.Cleanup(func() {
		_, _ = db.ExecContext(context.Background(), fmt.Sprintf("DROP USER '%s'@'%%'", user))
	})
	u.User = url.UserPassword(user, secretPassword)
	return u.String(), secretPassword
}
