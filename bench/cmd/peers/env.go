package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/ncruces/go-sqlite3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", used by golang-migrate
)

// withParam adds a query parameter to a URL.
func withParam(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// environment describes the machine, the versions and the PostgreSQL
// settings, as a Markdown list.
func (b *bench) environment(ctx context.Context) (string, error) {
	var s strings.Builder
	fmt.Fprintf(&s, "- Machine: %s, %d CPUs (nproc), %s memory, %s/%s\n", cpuModel(), runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&s, "- Go: %s\n", runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		var mods []string
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/pressly/goose/v3", "github.com/golang-migrate/migrate/v4", "github.com/jackc/pgx/v5",
				"github.com/ncruces/go-sqlite3", "modernc.org/sqlite", "github.com/go-sql-driver/mysql":
				mods = append(mods, d.Path+" "+d.Version)
			}
		}
		fmt.Fprintf(&s, "- Modules: %s\n", strings.Join(mods, ", "))
	}
	ver, err := ncrucesVersion()
	if err != nil {
		return "", err
	}
	mver, err := moderncVersion()
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&s, "- SQLite: %s (github.com/ncruces/go-sqlite3: floor, Retort, goose), %s (modernc.org/sqlite: golang-migrate's sqlite driver); WAL journal for all, default synchronous\n", ver, mver)
	if b.pg != nil {
		set, err := b.pg.settings(ctx)
		if err != nil {
			return "", fmt.Errorf("postgres at %s: %w", redact(b.pg.admin), err)
		}
		fmt.Fprintf(&s, "- %s; on the same machine, over TCP to 127.0.0.1\n", set)
	}
	if b.my != nil {
		set, err := b.my.settings(ctx)
		if err != nil {
			return "", fmt.Errorf("mysql at %s: %w", redact(b.my.admin), err)
		}
		fmt.Fprintf(&s, "- %s; on the same machine, over TCP to 127.0.0.1\n", set)
	}
	if b.python == "" {
		fmt.Fprintf(&s, "- Alembic: skipped, neither /usr/bin/python3 nor python3 imports alembic on this machine\n")
	} else {
		out, _ := exec.CommandContext(ctx, b.python, "-c", "import alembic, sys; print(alembic.__version__, sys.version.split()[0])").Output()
		fmt.Fprintf(&s, "- Alembic: %s (Python %s, %s), W4 only\n", strings.Fields(string(out) + " ? ?")[0], strings.Fields(string(out) + " ? ?")[1], b.python)
	}
	fmt.Fprintf(&s, "- Command: `%s` (from bench/)\n\n", strings.Join(append([]string{"go run ./cmd/peers"}, os.Args[1:]...), " "))
	return s.String(), nil
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func ncrucesVersion() (string, error) {
	c, err := sqlite3.Open(":memory:")
	if err != nil {
		return "", err
	}
	defer c.Close()
	st, _, err := c.Prepare("SELECT sqlite_version()")
	if err != nil {
		return "", err
	}
	defer st.Close()
	if !st.Step() {
		return "", st.Err()
	}
	return st.ColumnText(0), nil
}

func moderncVersion() (string, error) {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var v string
	err = db.QueryRow("SELECT sqlite_version()").Scan(&v)
	return v, err
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name")
}

func memTotal() string {
	v := procField("/proc/meminfo", "MemTotal")
	var kb int64
	if _, err := fmt.Sscanf(v, "%d kB", &kb); err != nil {
		return v
	}
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}

func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// alembicPython returns the first interpreter that imports alembic:
// /usr/bin/python3 (where a distribution installs it), then python3 on
// PATH; "" when neither does.
func alembicPython(ctx context.Context) string {
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if exec.CommandContext(ctx, py, "-c", "import alembic").Run() == nil {
			return py
		}
	}
	return ""
}
