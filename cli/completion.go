package cli

import (
	"context"
	"slices"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

func (a *app) completionCmd() *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print the shell completion script for bash, zsh, fish or powershell",
		Long: `completion prints a script that makes the shell complete migrate's
commands, flags and arguments, revision targets included: upgrade, downgrade,
stamp, show, merge, and revision's --head and --depends-on offer the ids,
branch labels and keywords (head, heads, base, label@head) of the script
directory. Completing a target reads the scripts, never the database.

Load it in the current shell, or install it for every new one:

  bash:  source <(migrate completion bash)
         migrate completion bash > /etc/bash_completion.d/migrate
         (needs the bash-completion package)
  zsh:   source <(migrate completion zsh)
         migrate completion zsh > "${fpath[1]}/_migrate"
         (needs "autoload -U compinit; compinit" in ~/.zshrc)
  fish:  migrate completion fish | source
         migrate completion fish > ~/.config/fish/completions/migrate.fish
  powershell:
         migrate completion powershell | Out-String | Invoke-Expression`,
		Example: `  source <(migrate completion bash)
  migrate completion zsh > "${fpath[1]}/_migrate"
  migrate completion fish > ~/.config/fish/completions/migrate.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      exactArgs(1, "SHELL (bash, zsh, fish or powershell)"),
		RunE: a.run(false, func(_ context.Context, cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageErrorf("completion: unsupported shell %q (want bash, zsh, fish or powershell)", args[0])
		}),
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave out the descriptions (revision messages, flag help) of the completions")
	return cmd
}

// Keyword targets offered by completion.
const (
	kwHead  = "head"
	kwHeads = "heads"
	kwBase  = "base"
)

// targetCompletion offers revision ids (described by their message), branch
// labels, label@head and the keywords given, for one positional argument
// (or any number when many is set). It reads the script directory only;
// any problem yields no candidates rather than an error.
func (a *app) targetCompletion(many bool, keywords ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if !many && len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return a.revisionCandidates(toComplete, keywords...), cobra.ShellCompDirectiveNoFileComp
	}
}

// revisionCandidates lists the completions for a target that start with
// prefix.
func (a *app) revisionCandidates(prefix string, keywords ...string) []cobra.Completion {
	var out []cobra.Completion
	add := func(s, desc string) {
		if !strings.HasPrefix(s, prefix) {
			return
		}
		for _, c := range out {
			if c == s || strings.HasPrefix(c, s+"\t") {
				return
			}
		}
		out = append(out, cobra.CompletionWithDesc(s, desc))
	}
	for _, k := range keywords {
		add(k, keywordHelp[k])
	}
	a.log = zerolog.Nop()
	set, err := a.flags.resolve(a.opts.Getenv)
	if err != nil {
		return out
	}
	a.set = set
	g, err := a.loadGraph()
	if err != nil {
		return out
	}
	var labels []string
	for _, r := range g.Revisions() {
		msg, _, _ := strings.Cut(r.Message, "\n")
		add(r.ID, msg)
		labels = append(labels, r.BranchLabels...)
	}
	slices.Sort(labels)
	for _, l := range slices.Compact(labels) {
		add(l, "branch label")
		if slices.Contains(keywords, kwHead) {
			add(l+"@head", "head of branch "+l)
		}
	}
	return out
}

var keywordHelp = map[string]string{
	kwHead:    "the single head",
	kwHeads:   "every head",
	kwBase:    "before the first revision",
	"current": "the database's current revisions",
}

// addCompletions attaches the revision completions to the commands of root
// that take targets.
func (a *app) addCompletions(root *cobra.Command) {
	set := func(name string, fn cobra.CompletionFunc) {
		if c, _, err := root.Find([]string{name}); err == nil && c != root {
			c.ValidArgsFunction = fn
		}
	}
	set("upgrade", a.targetCompletion(false, kwHead, kwHeads))
	set("downgrade", a.targetCompletion(false, kwBase))
	set("stamp", a.targetCompletion(true, kwHead, kwHeads, kwBase))
	set("show", a.targetCompletion(false, kwHead, kwHeads, kwBase, "current"))
	set("merge", a.targetCompletion(true, kwHeads))
	if c, _, err := root.Find([]string{"revision"}); err == nil && c != root {
		_ = c.RegisterFlagCompletionFunc("head", a.targetCompletion(true, kwHead, kwBase))
		_ = c.RegisterFlagCompletionFunc("depends-on", a.targetCompletion(true))
	}
	for _, c := range root.Commands() {
		if c.ValidArgsFunction == nil && c.ValidArgs == nil {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
	}
	_ = root.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions(
		[]string{"auto", "console", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions(
		[]string{"trace", "debug", "info", "warn", "error", "disabled"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("tx-mode", cobra.FixedCompletions(
		[]string{"run", "revision"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("lock", cobra.FixedCompletions(
		[]string{lockAdvisory, lockLease}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("dir", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return nil, cobra.ShellCompDirectiveFilterDirs
	})
}
