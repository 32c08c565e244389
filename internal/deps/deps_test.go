package deps_test

import (
	"os/exec"
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
	{"adapter/postgres", []string{"adapter"}, []string{"github.com/jackc/pgx/v5"}},
	{"adapter/sqlite", []string{"adapter"}, []string{"github.com/ncruces/"}},
	{"internal/dsn", nil, nil},
	{"engine", []string{"revgraph", "script", "adapter", "adapter/postgres", "adapter/sqlite", "internal/dsn"}, []string{"github.com/rs/zerolog", "golang.org/x/sync"}},
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
			if (drel == "internal/pgtest" || drel == "adapter/adaptertest") && rel != "adapter/adaptertest" {
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
