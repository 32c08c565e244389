package deps_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/retort-sql/retort"

// allowed lists, for each package, the module-internal packages it may import
// (prefix match on the part after the module path) and whether third-party
// imports are allowed; stdlib is always allowed.
var rules = []struct {
	pkg        string
	internal   []string
	thirdParty []string
}{
	{"revgraph", nil, nil},
	{"script", []string{"revgraph"}, nil},
	{"adapter", nil, nil},
	{"adapter/postgres", []string{"adapter", "adapter/postgres/pgdialect"}, []string{"github.com/jackc/pgx/v5"}},
	{"adapter/postgres/pgdialect", []string{"adapter"}, nil},
	{"adapter/sqlite", []string{"adapter", "adapter/sqlite/sqlitedialect"}, []string{"github.com/ncruces/"}},
	{"adapter/sqlite/sqlitedialect", []string{"adapter"}, nil},
	{"adapter/mysql", []string{"adapter", "adapter/mysql/mysqldialect", "adapter/sqldb"}, []string{"github.com/go-sql-driver/mysql"}},
	{"adapter/mysql/mysqldialect", []string{"adapter"}, nil},
	{"adapter/sqldb", []string{"adapter", "adapter/postgres/pgdialect", "adapter/sqlite/sqlitedialect", "adapter/mysql/mysqldialect"}, nil},
	{"internal/dsn", nil, nil},
	{"engine", []string{"revgraph", "script", "adapter"}, []string{"github.com/rs/zerolog", "golang.org/x/sync"}},
	{"open", []string{"adapter", "adapter/postgres", "adapter/sqlite", "adapter/mysql", "engine", "internal/dsn"}, nil},
}

// TestEngineLinksNoAdapter checks the engine's whole dependency closure,
// not only its direct imports: it reaches databases through the adapter
// SPI alone, so no concrete adapter and no driver is linked with it.
func TestEngineLinksNoAdapter(t *testing.T) {
	for _, dep := range listDeps(t, mod+"/engine") {
		if banned(dep, mod+"/adapter/", "github.com/ncruces/", "github.com/jackc/", "github.com/go-sql-driver/") {
			t.Errorf("engine links %s; it may depend on the adapter SPI only", dep)
		}
	}
}

// TestSQLDBLinksNoDriver checks that adapter/sqldb links no database
// driver: the caller's program brings the one it registered.
func TestSQLDBLinksNoDriver(t *testing.T) {
	for _, dep := range listDeps(t, mod+"/adapter/sqldb") {
		if banned(dep, "github.com/ncruces/", "github.com/jackc/", "github.com/go-sql-driver/", "github.com/lib/pq",
			mod+"/adapter/postgres", mod+"/adapter/sqlite", mod+"/adapter/mysql") &&
			!banned(dep, mod+"/adapter/postgres/pgdialect", mod+"/adapter/sqlite/sqlitedialect", mod+"/adapter/mysql/mysqldialect") {
			t.Errorf("adapter/sqldb links %s", dep)
		}
	}
}

// TestPostgresOnlyLinksNoSQLite checks that a program built from the engine
// and the PostgreSQL adapter links nothing of SQLite's WebAssembly runtime.
func TestPostgresOnlyLinksNoSQLite(t *testing.T) {
	deps := listDeps(t, mod+"/internal/deps/testdata/pgonly")
	if !slices.Contains(deps, "github.com/jackc/pgx/v5/pgxpool") {
		t.Fatalf("go list -deps found no pgxpool among %d packages", len(deps))
	}
	for _, dep := range deps {
		if banned(dep, "github.com/ncruces/", "github.com/tetratelabs/", mod+"/adapter/sqlite") {
			t.Errorf("engine + adapter/postgres links %s", dep)
		}
	}
}

func listDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	return strings.Fields(string(out))
}

func banned(dep string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(dep, p) {
			return true
		}
	}
	return false
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Imports \" \"}}", mod+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, ":")
		imports[pkg] = strings.Fields(deps)
	}
	if len(imports) < 5 {
		t.Fatalf("go list found only %d packages", len(imports))
	}
	for _, r := range rules {
		deps, ok := imports[mod+"/"+r.pkg]
		if !ok {
			t.Errorf("package %s not found", r.pkg)
			continue
		}
		for _, d := range deps {
			if !allowed(d, r.internal, r.thirdParty) {
				t.Errorf("%s imports %s, which the dependency rules forbid", r.pkg, d)
			}
		}
	}
	for pkg, deps := range imports {
		rel := strings.TrimPrefix(pkg, mod+"/")
		for _, d := range deps {
			drel := strings.TrimPrefix(d, mod+"/")
			if drel == "cli" && !strings.HasPrefix(rel, "cmd/") && !strings.HasPrefix(rel, "examples/") {
				t.Errorf("%s imports cli; only commands may", rel)
			}
			if (drel == "internal/pgtest" || drel == "internal/mysqltest" || drel == "adapter/adaptertest") && rel != "adapter/adaptertest" {
				t.Errorf("%s imports test helper %s outside a _test.go file", rel, drel)
			}
		}
	}
}

func allowed(dep string, internal, thirdParty []string) bool {
	if rel, ok := strings.CutPrefix(dep, mod+"/"); ok {
		for _, p := range internal {
			if rel == p || strings.HasPrefix(rel, p+"/") && p != "adapter" {
				return true
			}
		}
		return false
	}
	first, _, _ := strings.Cut(dep, "/")
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	for _, p := range thirdParty {
		if strings.HasPrefix(dep, p) {
			return true
		}
	}
	return false
}

// TestEngineBuildsNoDialectSQL checks that the engine never branches on the
// database: SQL that differs between databases comes from the dialect, so a
// new dialect is never handed another database's DDL.
func TestEngineBuildsNoDialectSQL(t *testing.T) {
	files, err := filepath.Glob("../../engine/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no engine sources: %v", err)
	}
	branch := regexp.MustCompile(`Name\(\)\s*[!=]=|==\s*"(postgres|sqlite|mysql)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if branch.MatchString(line) {
				t.Errorf("%s:%d branches on the dialect: %s", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}
