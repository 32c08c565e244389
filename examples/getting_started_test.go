package examples_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/retort-sql/retort/internal/pgtest"
)

// docBlock is one fenced block of a Markdown file.
type docBlock struct {
	lang, text string
	line       int    // line of the opening fence
	skip       string // reason given by a "<!-- docs-test: skip: … -->" line just above
}

var skipMark = regexp.MustCompile(`^<!-- docs-test: skip: (.+) -->$`)

func fencedBlocks(doc string) []docBlock {
	var out []docBlock
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "```") {
			continue
		}
		b := docBlock{lang: strings.TrimPrefix(l, "```"), line: i + 1}
		if i > 0 {
			if m := skipMark.FindStringSubmatch(lines[i-1]); m != nil {
				b.skip = m[1]
			}
		}
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		b.text = strings.Join(body, "\n")
		out = append(out, b)
	}
	return out
}

var (
	revID    = regexp.MustCompile(`(^|[^0-9A-Za-z])([0-9a-f]{12})($|[^0-9A-Za-z])`)
	duration = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`)
)

// TestGettingStarted runs every shell block of docs/getting-started.md, in
// order, as a new user would: the binary is installed from this checkout
// (go install ./cmd/migrate) into a temporary GOBIN, the project lives in
// a temporary HOME, and the PostgreSQL part uses this test's own database.
// The output of each block is compared with the plain block that follows
// it; revision ids (random) and durations are the only parts allowed to
// differ, and an id must differ consistently. A ```sql block that is a
// revision file is written over the file the previous command generated,
// as the guide tells the reader to do.
func TestGettingStarted(t *testing.T) {
	for _, tool := range []string{"bash", "go", "psql", "createdb"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to follow the guide: %v", tool, err)
		}
	}
	data, err := os.ReadFile("../docs/getting-started.md")
	if err != nil {
		t.Fatal(err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	// The guide creates its database with createdb: hand it this test's
	// database name, free again.
	pgURL := pgtest.URL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	admin := *u
	admin.Path = "/postgres"
	if out, err := exec.Command("psql", "-X", "-q", "-c", "DROP DATABASE "+dbName, admin.String()).CombinedOutput(); err != nil {
		t.Fatalf("free the database name for createdb: %v\n%s", err, out)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	docServer, testServer := "postgres://postgres@127.0.0.1:5432/", fmt.Sprintf("postgres://%s@%s:%s/", u.User.Username(), u.Hostname(), port)
	docURL := docServer + "hello_migrate"
	// Commands get the test's URL; outputs show the server as current -v
	// describes it.
	substitute := strings.NewReplacer(docURL, pgURL, "hello_migrate", dbName, docServer, testServer)
	substituteOut := strings.NewReplacer("hello_migrate", dbName, docServer, testServer)

	home := t.TempDir()
	bin := filepath.Join(home, "go", "bin")
	state := t.TempDir()
	goEnv := func(k string) string {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		return strings.TrimSpace(string(out))
	}
	env := []string{
		"HOME=" + home,
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOBIN=" + bin,
		"GOCACHE=" + goEnv("GOCACHE"),
		"GOMODCACHE=" + goEnv("GOMODCACHE"),
		"GOPATH=" + goEnv("GOPATH"),
		"GOFLAGS=" + goEnv("GOFLAGS"),
		"GOTOOLCHAIN=local",
		"PGHOST=" + u.Hostname(), "PGPORT=" + port, "PGUSER=" + u.User.Username(),
		"LANG=C.UTF-8",
	}
	if err := os.WriteFile(filepath.Join(state, "cwd"), []byte(repo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "env"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	ids := map[string]string{} // the guide's id -> this run's
	blocks := fencedBlocks(string(data))
	ran := 0
	var lastOut string
	var lastBlock *docBlock
	for i := range blocks {
		b := &blocks[i]
		switch {
		case b.skip != "" && (b.lang == "sh" || b.lang == ""):
			lastBlock = nil
		case b.lang == "sh":
			ran++
			script := substitute.Replace(mapIDs(b.text, ids))
			cmd := exec.Command("bash", "-c", `cd "$(cat "$STATE/cwd")" && . "$STATE/env" && { `+"\n"+script+"\n"+` } 2>&1; pwd > "$STATE/cwd"; export -p > "$STATE/env"`)
			cmd.Env = append(env, "STATE="+state)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("getting-started.md:%d: %v\n%s", b.line, err, out.String())
			}
			lastOut, lastBlock = out.String(), b
		case b.lang == "" && lastBlock != nil:
			want := substituteOut.Replace(b.text)
			if msg := compareOutput(want, lastOut, ids); msg != "" {
				t.Errorf("getting-started.md:%d: the output of the block at line %d %s\n--- the guide\n%s\n--- the run\n%s",
					b.line, lastBlock.line, msg, b.text, lastOut)
			}
			lastBlock = nil
		case b.lang == "sql" && strings.HasPrefix(b.text, "-- migrate:revision "):
			docID := strings.Fields(b.text)[2]
			id, ok := ids[docID]
			if !ok {
				t.Fatalf("getting-started.md:%d: revision %s was not generated by an earlier command", b.line, docID)
			}
			cwd, _ := os.ReadFile(filepath.Join(state, "cwd"))
			files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(cwd)), "migrations", id+"_*.sql"))
			if len(files) != 1 {
				t.Fatalf("getting-started.md:%d: no generated file for %s (%s)", b.line, docID, id)
			}
			if err := os.WriteFile(files[0], []byte(mapIDs(b.text, ids)+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			lastBlock = nil
		default:
			lastBlock = nil
		}
	}
	if ran == 0 {
		t.Fatal("no shell block ran")
	}
}

// findIDs returns the revision ids in s (12 hex characters standing
// alone, or before the _ of a file name), in order.
func findIDs(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		m := revID.FindStringSubmatchIndex(s[i:])
		if m == nil {
			break
		}
		out = append(out, s[i+m[4]:i+m[5]])
		i += m[5]
	}
	return out
}

// mapIDs replaces the guide's revision ids that this run knows.
func mapIDs(s string, ids map[string]string) string {
	for _, id := range findIDs(s) {
		if got, ok := ids[id]; ok {
			s = strings.ReplaceAll(s, id, got)
		}
	}
	return s
}

// compareOutput compares a block's output with the guide's, learning the
// run's revision ids as they first appear. It returns what differs, or "".
func compareOutput(want, got string, ids map[string]string) string {
	want, got = strings.TrimRight(want, "\n"), strings.TrimRight(got, "\n")
	w, g := findIDs(want), findIDs(got)
	if len(w) == len(g) {
		for k := range w {
			if prev, ok := ids[w[k]]; ok && prev != g[k] {
				return fmt.Sprintf("names %s where the guide's %s was %s", g[k], w[k], prev)
			}
			ids[w[k]] = g[k]
		}
	}
	norm := func(s string) string {
		lines := strings.Split(duration.ReplaceAllString(s, "<duration>"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		return strings.Join(lines, "\n")
	}
	if norm(mapIDs(want, ids)) != norm(got) {
		return "differs"
	}
	return ""
}
