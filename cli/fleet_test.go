package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/retort-sql/retort/adapter/postgres"
	"github.com/retort-sql/retort/cli"
	"github.com/retort-sql/retort/internal/mysqltest"
	"github.com/retort-sql/retort/internal/pgtest"
)

// fleetRow is the --json shape of one target.
type fleetRow struct {
	Target     string   `json:"target"`
	Status     string   `json:"status"`
	From       []string `json:"from"`
	To         []string `json:"to"`
	Applied    int      `json:"applied"`
	Revisions  []string `json:"revisions"`
	DurationMS int64    `json:"duration_ms"`
	Error      string   `json:"error"`
}

func fleetJSON(t *testing.T, r result) []fleetRow {
	t.Helper()
	var rows []fleetRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("--json output: %v\n%s%s", err, r.stdout, r.stderr)
	}
	return rows
}

func statuses(rows []fleetRow) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Target + "=" + r.Status + " ")
	}
	return strings.TrimSpace(b.String())
}

// tableRow matches a summary table line: target, status, from, to, applied.
var tableRow = regexp.MustCompile(`(?m)^(\S+)\s+(ok|failed|not started)\s+(\S+)\s+(\S+)\s+(\d+)\s`)

func TestFleetSQLiteFiles(t *testing.T) {
	inTemp(t)
	quickstart(t)
	// c.db already has the account table: its first revision fails.
	execSQL(t, "sqlite:c.db", "CREATE TABLE account (id integer)")
	writeFile(t, "targets.txt", `# tenants
sqlite:a.db

sqlite:b.db
  # the broken one
sqlite:c.db
sqlite:d.db
`)
	quiet := []string{"--log-level", "disabled"}

	// Fail-fast, one at a time: a and b run, c fails, d never starts.
	r := run(t, nil, append(quiet, "upgrade", "head", "--targets", "targets.txt", "--concurrency", "1")...)
	if r.code != cli.ExitFailure {
		t.Fatalf("exit %d, want 1: %s%s", r.code, r.stdout, r.stderr)
	}
	got := map[string]string{}
	for _, m := range tableRow.FindAllStringSubmatch(r.stdout, -1) {
		got[m[1]] = m[2] + " " + m[3] + " " + m[4] + " " + m[5]
	}
	want := map[string]string{
		"sqlite:a.db": "ok <base> 3c4d5e6f7a8b 3",
		"sqlite:b.db": "ok <base> 3c4d5e6f7a8b 3",
		"sqlite:c.db": "failed <base> <base> 0",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q\n%s", k, got[k], v, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "sqlite:d.db  not started") || !strings.Contains(r.stdout, "4 targets in ") ||
		!strings.Contains(r.stdout, "2 ok, 1 failed, 1 not started") || !strings.Contains(r.stdout, "1a2b3c4d5e6f") {
		t.Errorf("summary:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "1 of 4 targets failed, 1 not started") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if c := run(t, nil, "--url", "sqlite:d.db", "current"); c.stdout != "" {
		t.Errorf("d.db was upgraded after the failure: %q", c.stdout)
	}

	// Continue on error: d runs too; a and b have nothing to do.
	r = run(t, nil, append(quiet, "upgrade", "--targets", "targets.txt", "--continue-on-error", "--json")...)
	if r.code != cli.ExitFailure {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	rows := fleetJSON(t, r)
	if s := statuses(rows); s != "sqlite:a.db=ok sqlite:b.db=ok sqlite:c.db=failed sqlite:d.db=ok" {
		t.Fatalf("statuses %s", s)
	}
	if rows[0].Applied != 0 || rows[3].Applied != 3 || strings.Join(rows[3].To, ",") != "3c4d5e6f7a8b" ||
		len(rows[3].Revisions) != 3 || rows[0].From == nil {
		t.Errorf("rows: %+v", rows)
	}
	if !strings.Contains(rows[2].Error, "1a2b3c4d5e6f") || strings.Contains(rows[2].Error, "\n") {
		t.Errorf("error of c.db: %q", rows[2].Error)
	}

	// Without the broken target every target succeeds.
	writeFile(t, "targets.txt", "sqlite:a.db\nsqlite:d.db\nsqlite:e.db\n")
	r = run(t, nil, append(quiet, "upgrade", "--targets", "targets.txt")...)
	if r.code != 0 || !strings.Contains(r.stdout, "3 targets in ") || !strings.Contains(r.stdout, "3 ok, 0 failed, 0 not started") {
		t.Errorf("all ok: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestFleetPasswordsRedacted(t *testing.T) {
	inTemp(t)
	quickstart(t)
	const secret = "Fl33tSecret"
	writeFile(t, "targets.txt", "postgres://app:"+secret+"@127.0.0.1:1/app?connect_timeout=2\nsqlite:ok.db\n")
	r := run(t, nil, "upgrade", "--targets", "targets.txt", "--continue-on-error", "--json")
	if r.code != cli.ExitFailure {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Fatalf("password printed:\n%s%s", r.stdout, r.stderr)
	}
	rows := fleetJSON(t, r)
	if len(rows) != 2 || rows[0].Target != "postgres://app:xxxxx@127.0.0.1:1/app?connect_timeout=2" ||
		rows[0].Status != "failed" || rows[1].Status != "ok" {
		t.Errorf("rows: %+v", rows)
	}
}

// schemaTables returns, for each schema, whether it has an invoice table,
// and whether public got one.
func tableExists(t *testing.T, url, qualified string) bool {
	t.Helper()
	ctx := context.WithoutCancel(t.Context())
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Release()
	rows, err := c.Query(ctx, "SELECT to_regclass($1) IS NOT NULL", qualified)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ok bool
	if !rows.Next() {
		t.Fatal("no row")
	}
	if err := rows.Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestFleetPostgresSchemas(t *testing.T) {
	inTemp(t)
	quickstart(t)
	url := pgtest.URL(t)
	e := env{"MIGRATE_URL": url}
	quiet := []string{"--log-level", "disabled"}

	r := run(t, e, append(quiet, "upgrade", "head", "--schemas", "tenant_a,tenant_b,Tenant_C")...)
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []string{"tenant_a", "tenant_b", "Tenant_C"} {
		if !strings.Contains(r.stdout, s+" ") {
			t.Errorf("summary does not name %s:\n%s", s, r.stdout)
		}
		if !tableExists(t, url, `"`+s+`".invoice`) || !tableExists(t, url, `"`+s+`".migrate_version`) ||
			!tableExists(t, url, `"`+s+`".migrate_history`) {
			t.Errorf("schema %s lacks its tables", s)
		}
		c := run(t, e, "--version-table", s+".migrate_version", "current")
		if c.code != 0 || c.stdout != "3c4d5e6f7a8b (head)\n" {
			t.Errorf("current of %s: %q %s", s, c.stdout, c.stderr)
		}
	}
	if tableExists(t, url, "public.invoice") || tableExists(t, url, "public.migrate_version") {
		t.Error("the scripts' tables landed in public")
	}

	// A broken tenant: fail-fast stops the others, continue-on-error runs them.
	execSQL(t, url, "CREATE SCHEMA tenant_d; CREATE TABLE tenant_d.account (id integer); CREATE SCHEMA tenant_e")
	r = run(t, e, append(quiet, "upgrade", "--schemas", "tenant_d,tenant_e", "--concurrency", "1", "--json")...)
	if rows := fleetJSON(t, r); r.code != cli.ExitFailure || statuses(rows) != "tenant_d=failed tenant_e=not started" {
		t.Fatalf("fail-fast: exit %d, %s: %s", r.code, statuses(rows), r.stderr)
	} else if !strings.Contains(rows[0].Error, "1a2b3c4d5e6f") || !strings.Contains(rows[0].Error, "account") {
		t.Errorf("tenant_d error: %q", rows[0].Error)
	}
	if tableExists(t, url, "tenant_e.account") {
		t.Error("tenant_e ran after the failure")
	}
	r = run(t, e, append(quiet, "upgrade", "--schemas-from-query",
		`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\_%' ORDER BY 1`, "--continue-on-error", "--json")...)
	rows := fleetJSON(t, r)
	if r.code != cli.ExitFailure || statuses(rows) != "tenant_a=ok tenant_b=ok tenant_d=failed tenant_e=ok" {
		t.Fatalf("continue-on-error: exit %d, %s: %s", r.code, statuses(rows), r.stderr)
	}
	if rows[0].Applied != 0 || rows[3].Applied != 3 {
		t.Errorf("rows: %+v", rows)
	}
	if !tableExists(t, url, "tenant_e.invoice") {
		t.Error("tenant_e was not upgraded")
	}
}

func TestFleetUsageErrors(t *testing.T) {
	inTemp(t)
	quickstart(t)
	writeFile(t, "t.txt", "sqlite:a.db\n")
	writeFile(t, "dup.txt", "sqlite:a.db\n# again\nsqlite:a.db\n")
	writeFile(t, "bad.txt", "sqlite:a.db\noracle://x/y\n")
	writeFile(t, "empty.txt", "# nothing\n\n")
	pg := env{"MIGRATE_URL": "postgres://app@127.0.0.1:1/app"}
	for _, tc := range []struct {
		name string
		e    env
		args []string
		code int
		want string
	}{
		{"two sources", pg, []string{"upgrade", "--targets", "t.txt", "--schemas", "a"}, cli.ExitUsage, "exclude each other"},
		{"json with sql", nil, []string{"upgrade", "--json", "--sql"}, cli.ExitUsage, "--json reports a run"},
		{"concurrency alone", nil, []string{"upgrade", "--concurrency", "2"}, cli.ExitUsage, "--concurrency applies only"},
		{"zero concurrency", nil, []string{"upgrade", "--targets", "t.txt", "--concurrency", "0"}, cli.ExitUsage, "at least 1"},
		{"sql fleet", nil, []string{"upgrade", "--sql", "--targets", "t.txt"}, cli.ExitUsage, "--sql prints one script"},
		{"hostile schema", pg, []string{"upgrade", "--schemas", `x"; DROP TABLE y; --`}, cli.ExitUsage, "invalid schema name"},
		{"dotted schema", pg, []string{"upgrade", "--schemas", "a.b"}, cli.ExitUsage, "invalid schema name"},
		{"schema twice", pg, []string{"upgrade", "--schemas", "a,a"}, cli.ExitUsage, "listed twice"},
		{"schemas on sqlite", nil, []string{"upgrade", "--schemas", "a"}, cli.ExitUsage, "needs a PostgreSQL URL (schemas of one database) or a MySQL URL"},
		{"qualified version table", pg, []string{"--version-table", "s.v", "upgrade", "--schemas", "a"}, cli.ExitUsage, "without a schema"},
		{"lease fleet", pg, []string{"--lock", "lease", "upgrade", "--schemas", "a"}, cli.ExitUsage, "--lock lease is not supported"},
		{"missing file", nil, []string{"upgrade", "--targets", "nope.txt"}, cli.ExitFailure, "targets file"},
		{"duplicate URL", nil, []string{"upgrade", "--targets", "dup.txt"}, cli.ExitFailure, "dup.txt:3: sqlite:a.db is already listed on line 1"},
		{"bad URL", nil, []string{"upgrade", "--targets", "bad.txt"}, cli.ExitFailure, "bad.txt:2:"},
		{"empty file", nil, []string{"upgrade", "--targets", "empty.txt"}, cli.ExitFailure, "lists no database URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.e, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.want)
			}
		})
	}
}

// TestFleetProgressLine runs a fleet with stderr taken for a terminal: the
// progress line ends with the final counts.
func TestFleetProgressLine(t *testing.T) {
	inTemp(t)
	quickstart(t)
	writeFile(t, "t.txt", "sqlite:a.db\nsqlite:b.db\nsqlite:c.db\n")
	var out, errb bytes.Buffer
	code := cli.Main(t.Context(), []string{"upgrade", "--targets", "t.txt"}, cli.Options{
		Stdout: &out, Stderr: &errb,
		Terminal: func(w io.Writer) bool { return w == io.Writer(&errb) },
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	final := regexp.MustCompile(`\r\[3/3\] 3 done, 0 failed, 0 running, [0-9.]+/s *\n`)
	if !final.MatchString(errb.String()) {
		t.Errorf("no final progress line in stderr: %q", errb.String())
	}
	if strings.Contains(errb.String(), "upgrade   1a2b3c4d5e6f") || strings.Contains(errb.String(), "INF upgrade") {
		t.Errorf("per-revision logs interleaved with the progress line: %q", errb.String())
	}
	if strings.Contains(out.String(), "\r") {
		t.Errorf("progress on stdout: %q", out.String())
	}
}

// TestFleetSkipsSystemSchemas is the repro of a schema fleet taken from
// every row of pg_namespace: the system schemas are reported as skipped,
// never touched, and the other schemas run; the run exits 0.
func TestFleetSkipsSystemSchemas(t *testing.T) {
	inTemp(t)
	quickstart(t)
	url := pgtest.URL(t)
	e := env{"MIGRATE_URL": url}
	quiet := []string{"--log-level", "disabled"}
	execSQL(t, url, "CREATE SCHEMA tenant_a; CREATE SCHEMA tenant_b")
	for _, extra := range [][]string{nil, {"--continue-on-error"}} {
		args := append(append(quiet, "upgrade", "--schemas-from-query", "SELECT nspname FROM pg_namespace ORDER BY 1", "--json"), extra...)
		r := run(t, e, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d:\n%s%s", extra, r.code, r.stdout, r.stderr)
		}
		got := map[string]string{}
		for _, row := range fleetJSON(t, r) {
			got[row.Target] = row.Status
		}
		for _, s := range []string{"pg_catalog", "information_schema", "pg_toast"} {
			if got[s] != "skipped" {
				t.Errorf("%v: %s is %q, want skipped (%s)", extra, s, got[s], statuses(fleetJSON(t, r)))
			}
		}
		for _, s := range []string{"public", "tenant_a", "tenant_b"} {
			if got[s] != "ok" {
				t.Errorf("%v: %s is %q, want ok", extra, s, got[s])
			}
		}
		for s, st := range got {
			if strings.HasPrefix(s, "pg_") && st != "skipped" {
				t.Errorf("%v: %s is %q", extra, s, st)
			}
		}
	}
	for _, q := range []string{"information_schema.invoice", "information_schema.migrate_version", "pg_catalog.migrate_version"} {
		if tableExists(t, url, q) {
			t.Errorf("%s was created", q)
		}
	}
	if !tableExists(t, url, "tenant_b.invoice") {
		t.Error("tenant_b was not upgraded")
	}
	// The reads skip them the same way.
	r := run(t, e, append(quiet, "check", "--schemas-from-query", "SELECT nspname FROM pg_namespace", "--json")...)
	rows := readRows(t, r)
	if r.code != 0 || rows["pg_catalog"].Status != "skipped" || rows["tenant_a"].Status != "ok" ||
		strings.Join(rows["tenant_a"].Current, ",") != "3c4d5e6f7a8b" {
		t.Errorf("check: exit %d %+v %s", r.code, rows, r.stderr)
	}

	// --schemas and a targets file whose URL points search_path at a
	// system schema are skipped the same way; the table form says so.
	writeFile(t, "t.txt", withParam(url, "search_path", "pg_catalog")+"\n")
	r = run(t, e, append(quiet, "upgrade", "--targets", "t.txt")...)
	if r.code != 0 || !strings.Contains(r.stdout, "skipped") || !strings.Contains(r.stdout, "1 skipped") {
		t.Errorf("targets file: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, e, append(quiet, "upgrade", "--schemas", "pg_temp_1,tenant_a,pg_toast_temp_1")...)
	if r.code != 0 || !strings.Contains(r.stdout, "1 ok, 0 failed, 0 not started, 2 skipped") {
		t.Errorf("--schemas: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// withParam adds key=value to a URL's query.
func withParam(raw, key, value string) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + key + "=" + value
}

// readRow is the --json shape of current, check and history --applied on a
// fleet.
type readRow struct {
	Target  string            `json:"target"`
	Status  string            `json:"status"`
	Current []string          `json:"current"`
	Pending []string          `json:"pending"`
	History []json.RawMessage `json:"history"`
	Error   string            `json:"error"`
}

func readRows(t *testing.T, r result) map[string]readRow {
	t.Helper()
	var rows []readRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("--json output: %v\n%s%s", err, r.stdout, r.stderr)
	}
	out := map[string]readRow{}
	for _, row := range rows {
		out[row.Target] = row
	}
	return out
}

// TestFleetReads runs current, check and history --applied over a fleet in
// which one target is behind.
func TestFleetReads(t *testing.T) {
	inTemp(t)
	quickstart(t)
	quiet := []string{"--log-level", "disabled"}
	writeFile(t, "two.txt", "sqlite:a.db\nsqlite:b.db\n")
	writeFile(t, "all.txt", "sqlite:a.db\nsqlite:b.db\nsqlite:c.db\n")
	if r := run(t, nil, append(quiet, "upgrade", "--targets", "two.txt")...); r.code != 0 {
		t.Fatalf("upgrade: %s%s", r.stdout, r.stderr)
	}
	if r := run(t, nil, append(quiet, "upgrade", "1a2b3c4d5e6f", "--targets", "all.txt")...); r.code != 0 {
		t.Fatalf("upgrade c: %s%s", r.stdout, r.stderr)
	}
	const head = "3c4d5e6f7a8b"

	r := run(t, nil, append(quiet, "current", "--targets", "all.txt", "--json", "--concurrency", "2")...)
	cur := readRows(t, r)
	if r.code != 0 || len(cur) != 3 || strings.Join(cur["sqlite:a.db"].Current, ",") != head ||
		strings.Join(cur["sqlite:c.db"].Current, ",") != "1a2b3c4d5e6f" {
		t.Errorf("current: exit %d %+v %s", r.code, cur, r.stderr)
	}
	r = run(t, nil, append(quiet, "current", "--targets", "all.txt")...)
	if r.code != 0 || !regexp.MustCompile(`(?m)^sqlite:c\.db\s+ok\s+1a2b3c4d5e6f\s`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "3 targets in ") {
		t.Errorf("current table: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = run(t, nil, append(quiet, "check", "--targets", "all.txt")...)
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "1 of 3 targets are behind, 0 failed: sqlite:c.db") ||
		!regexp.MustCompile(`(?m)^sqlite:c\.db\s+behind\s+1a2b3c4d5e6f\s+2b3c4d5e6f7a,3c4d5e6f7a8b`).MatchString(r.stdout) {
		t.Errorf("check: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, append(quiet, "check", "--targets", "all.txt", "--json")...)
	chk := readRows(t, r)
	if r.code != cli.ExitFailure || chk["sqlite:a.db"].Status != "ok" || chk["sqlite:c.db"].Status != "behind" ||
		len(chk["sqlite:c.db"].Pending) != 2 {
		t.Errorf("check --json: exit %d %+v", r.code, chk)
	}
	if r := run(t, nil, append(quiet, "check", "--targets", "two.txt")...); r.code != 0 {
		t.Errorf("check of the targets at head: exit %d %s", r.code, r.stderr)
	}

	r = run(t, nil, append(quiet, "history", "--applied", "--targets", "all.txt", "--json")...)
	hist := readRows(t, r)
	if r.code != 0 || len(hist["sqlite:a.db"].History) != 3 || len(hist["sqlite:c.db"].History) != 1 {
		t.Errorf("history --applied: exit %d %+v", r.code, hist)
	}
	r = run(t, nil, append(quiet, "history", "--applied", "--targets", "all.txt")...)
	if r.code != 0 || len(regexp.MustCompile(`(?m)^sqlite:a\.db\s+\S+\s+upgrade\s`).FindAllString(r.stdout, -1)) != 3 {
		t.Errorf("history --applied table: exit %d:\n%s", r.code, r.stdout)
	}

	// A target that cannot be read fails the read and is named.
	writeFile(t, "bad.txt", "sqlite:a.db\nsqlite:missing/dir/x.db\n")
	r = run(t, nil, append(quiet, "current", "--targets", "bad.txt", "--json")...)
	if bad := readRows(t, r); r.code != cli.ExitFailure || bad["sqlite:a.db"].Status != "ok" ||
		bad["sqlite:missing/dir/x.db"].Status != "failed" || !strings.Contains(r.stderr, "1 of 2 targets could not be read") {
		t.Errorf("unreadable target: exit %d %+v %s", r.code, bad, r.stderr)
	}
	for _, args := range [][]string{
		{"history", "--targets", "all.txt"},
		{"current", "-v", "--targets", "all.txt"},
		{"check", "--json"},
		{"current", "--json-lines"},
		{"current", "--shard", "0/2"},
		{"upgrade", "--targets", "all.txt", "--json", "--json-lines"},
		{"upgrade", "--targets", "all.txt", "--shard", "2/2"},
		{"upgrade", "--targets", "all.txt", "--shard", "auto/2"},
	} {
		if r := run(t, nil, args...); r.code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want usage error: %s", args, r.code, r.stderr)
		}
	}
}

// TestFleetJSONLines checks the streaming form: one object per target,
// then the summary with counts by status and the slowest targets.
func TestFleetJSONLines(t *testing.T) {
	inTemp(t)
	quickstart(t)
	var names []string
	for i := range 7 {
		names = append(names, fmt.Sprintf("sqlite:t%d.db", i))
	}
	writeFile(t, "t.txt", strings.Join(names, "\n")+"\n")
	execSQL(t, "sqlite:t3.db", "CREATE TABLE account (id integer)")
	r := run(t, nil, "--log-level", "disabled", "upgrade", "--targets", "t.txt", "--json-lines", "--continue-on-error", "--concurrency", "3")
	if r.code != cli.ExitFailure {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want 7 targets and a summary:\n%s", len(lines), r.stdout)
	}
	seen := map[string]string{}
	for _, l := range lines[:7] {
		var row fleetRow
		if err := json.Unmarshal([]byte(l), &row); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		seen[row.Target] = row.Status
	}
	for _, n := range names {
		want := "ok"
		if n == "sqlite:t3.db" {
			want = "failed"
		}
		if seen[n] != want {
			t.Errorf("%s: %q, want %q", n, seen[n], want)
		}
	}
	var sum struct {
		Summary struct {
			Targets  int            `json:"targets"`
			Statuses map[string]int `json:"statuses"`
			Slowest  []struct {
				Target     string `json:"target"`
				DurationMS int64  `json:"duration_ms"`
			} `json:"slowest"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[7]), &sum); err != nil {
		t.Fatal(err)
	}
	s := sum.Summary
	if s.Targets != 7 || s.Statuses["ok"] != 6 || s.Statuses["failed"] != 1 || len(s.Slowest) != 5 {
		t.Errorf("summary: %+v", s)
	}
	for i := 1; i < len(s.Slowest); i++ {
		if s.Slowest[i].DurationMS > s.Slowest[i-1].DurationMS {
			t.Errorf("slowest not sorted: %+v", s.Slowest)
		}
	}
}

// TestFleetMySQLDatabases: on MySQL, --schemas names databases of the
// server the URL points at; each gets its own version and history tables.
func TestFleetMySQLDatabases(t *testing.T) {
	inTemp(t)
	quickstart(t)
	url := mysqltest.URL(t)
	db := mysqltest.DB(t, mysqltest.AdminURL(t))
	base := mysqltest.NewName()
	names := []string{base + "_a", base + "_b"}
	t.Cleanup(func() {
		for _, n := range names {
			_, _ = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+n+"`")
		}
	})
	e := env{"MIGRATE_URL": url}
	r := run(t, e, "--log-level", "disabled", "upgrade", "head", "--schemas", strings.Join(names, ","))
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, n := range names {
		var count int
		if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name IN ('invoice', 'migrate_version', 'migrate_history')", n).Scan(&count); err != nil {
			t.Fatal(err)
		}
		if count != 3 {
			t.Errorf("database %s has %d of its 3 tables", n, count)
		}
		c := run(t, e, "--version-table", n+".migrate_version", "current")
		if c.code != 0 || c.stdout != "3c4d5e6f7a8b (head)\n" {
			t.Errorf("current of %s: %q %s", n, c.stdout, c.stderr)
		}
	}
	var count int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", strings.TrimPrefix(url[strings.LastIndex(url, "/"):], "/")).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != 0 {
		t.Errorf("the URL's own database got %d tables", count)
	}
	if r := run(t, e, "upgrade", "--schemas", "mysql"); !strings.Contains(r.stdout+r.stderr, "skipped") {
		t.Errorf("the mysql system database was not skipped: %s%s", r.stdout, r.stderr)
	}
}

// TestFleetTargetsFileErrorsNameTheLine: a dead URL's hint names the
// targets file and line; a line longer than the scanner takes is an error
// naming FILE:line before anything runs.
func TestFleetTargetsFileErrorsNameTheLine(t *testing.T) {
	inTemp(t)
	quickstart(t)
	writeFile(t, "t.txt", "sqlite:a.db\n# dead\npostgres://app@127.0.0.1:1/app?connect_timeout=2\n")
	r := run(t, nil, "--log-level", "disabled", "upgrade", "--targets", "t.txt", "--continue-on-error", "--json")
	rows := fleetJSON(t, r)
	if r.code != cli.ExitFailure || len(rows) != 2 || !strings.Contains(rows[1].Error, "the URL comes from t.txt:3") {
		t.Errorf("exit %d: %+v", r.code, rows)
	}
	writeFile(t, "long.txt", "sqlite:z.db\nsqlite:"+strings.Repeat("x", 70000)+".db\n")
	r = run(t, nil, "upgrade", "--targets", "long.txt")
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "long.txt:2: line longer than") {
		t.Errorf("long line: exit %d %s", r.code, r.stderr)
	}
	if c := run(t, nil, "--url", "sqlite:z.db", "current"); c.stdout != "" {
		t.Errorf("z.db was upgraded before the bad line was found: %q", c.stdout)
	}
}
