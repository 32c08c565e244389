package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// modulePath is the module this command line belongs to.
const modulePath = "github.com/retort-sql/retort"

// versionInfo is what `migrate version` prints.
type versionInfo struct {
	Version     string `json:"version"`
	Module      string `json:"module"`
	GoVersion   string `json:"go_version"`
	VCSRevision string `json:"vcs_revision,omitempty"`
	VCSTime     string `json:"vcs_time,omitempty"`
	VCSModified bool   `json:"vcs_modified,omitempty"`
}

// readVersion extracts the version of Retort from the build information of
// the running binary: the main module's version when the binary is
// Retort's own migrate, else the version of the Retort dependency of a
// binary that embeds the cli package; "(devel)" when there is none.
func readVersion(bi *debug.BuildInfo, ok bool) versionInfo {
	v := versionInfo{Version: "(devel)", Module: modulePath, GoVersion: runtime.Version()}
	if !ok || bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.GoVersion = bi.GoVersion
	}
	switch {
	case bi.Main.Path == modulePath:
		v.Version = orDevel(bi.Main.Version)
	default:
		for _, d := range bi.Deps {
			if d.Path != modulePath {
				continue
			}
			if d.Replace != nil {
				d = d.Replace
			}
			v.Version = orDevel(d.Version)
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.VCSRevision = s.Value
		case "vcs.time":
			v.VCSTime = s.Value
		case "vcs.modified":
			v.VCSModified = s.Value == "true"
		}
	}
	return v
}

func orDevel(s string) string {
	if s == "" {
		return "(devel)"
	}
	return s
}

func (v versionInfo) text() string {
	s := fmt.Sprintf("migrate %s (%s)\ngo: %s\n", v.Version, v.Module, v.GoVersion)
	if v.VCSRevision != "" {
		s += "vcs revision: " + v.VCSRevision
		if v.VCSModified {
			s += " (modified)"
		}
		s += "\n"
	}
	if v.VCSTime != "" {
		s += "vcs time: " + v.VCSTime + "\n"
	}
	return s
}

func (a *app) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of migrate",
		Long: `version prints the Retort module version this binary was built from
(from the Go build information; "(devel)" for a build from a working tree),
the Go version, and the VCS revision and time when the build recorded them.
No configuration file or database is read.`,
		Example: `  migrate version
  migrate version --json`,
		Args: cobra.NoArgs,
		RunE: a.run(false, func(_ context.Context, cmd *cobra.Command, _ []string) error {
			v := readVersion(debug.ReadBuildInfo())
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), v)
			}
			fmt.Fprint(cmd.OutOrStdout(), v.text())
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
