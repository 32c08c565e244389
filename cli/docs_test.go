package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// helpFlags matches the flag column of cobra's help: "-m, --message" or
// "    --json".
var helpFlag = regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[a-z-]+)`)

// TestDocsMentionEveryCommandAndFlag keeps docs/cli.md in step with the
// command tree: every command, and every flag of every command, must be
// named in it.
func TestDocsMentionEveryCommandAndFlag(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testdataRoot, "..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	inTemp(t)
	root := run(t, nil, "--help")
	var cmds []string
	inCmds := false
	for _, line := range strings.Split(root.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "Available Commands:"):
			inCmds = true
		case inCmds && strings.TrimSpace(line) == "":
			inCmds = false
		case inCmds:
			name := strings.Fields(line)[0]
			if name != "help" {
				cmds = append(cmds, name)
			}
		}
	}
	if len(cmds) < 12 {
		t.Fatalf("found only %d commands in help: %v", len(cmds), cmds)
	}
	for _, c := range append([]string{""}, cmds...) {
		args := []string{"--help"}
		if c != "" {
			args = []string{c, "--help"}
			if !strings.Contains(text, "## "+c) && !strings.Contains(text, "### "+c) {
				t.Errorf("docs/cli.md has no section for command %q", c)
			}
		}
		help := run(t, nil, args...).stdout
		for _, m := range helpFlag.FindAllStringSubmatch(help, -1) {
			if m[1] == "--help" {
				continue
			}
			if !strings.Contains(text, "`"+m[1]) {
				t.Errorf("docs/cli.md does not mention flag %s of %q", m[1], c)
			}
		}
	}
}
