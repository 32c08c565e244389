package cli

import "github.com/spf13/cobra"

func (a *app) adoptCmd() *cobra.Command {
	return &cobra.Command{Use: "adopt", Hidden: true}
}
