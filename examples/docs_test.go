package examples_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocLinks checks that every relative link of the user guides and of
// the examples' notes names a file that exists, and that every #anchor
// names a heading of that file.
func TestDocLinks(t *testing.T) {
	docs := []string{
		"../docs/getting-started.md",
		"../docs/concepts.md",
		"../docs/cookbook.md",
		"../docs/errors.md",
		"../docs/comparison.md",
		"../docs/coming-from.md",
		"../docs/config.md",
		"k8s-job/README.md",
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, doc := range docs {
		t.Run(filepath.Base(filepath.Dir(doc))+"/"+filepath.Base(doc), func(t *testing.T) {
			text, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range link.FindAllStringSubmatch(string(text), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "#") {
					continue
				}
				file, anchor, _ := strings.Cut(target, "#")
				path := doc
				if file != "" {
					path = filepath.Join(filepath.Dir(doc), file)
				}
				fi, err := os.Stat(path)
				if err != nil {
					t.Errorf("%s links to %s, which does not exist", doc, m[1])
					continue
				}
				if anchor == "" || fi.IsDir() {
					continue
				}
				body, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !hasAnchor(string(body), anchor) {
					t.Errorf("%s links to %s: no heading with that anchor", doc, m[1])
				}
			}
		})
	}
}

// hasAnchor reports whether a Markdown heading of doc has the anchor GitHub
// would give it: lowercased, spaces to hyphens, punctuation dropped.
func hasAnchor(doc, anchor string) bool {
	for line := range strings.SplitSeq(doc, "\n") {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				b.WriteRune(r)
			}
		}
		if b.String() == anchor {
			return true
		}
	}
	return false
}
