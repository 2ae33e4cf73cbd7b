//go:build mangen

package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// The man page generator is built only with -tags mangen (`make man`), so
// the released binary carries no markdown and roff code.
func init() { addCommand(newGenManCmd) }

func newGenManCmd(code *int) *cobra.Command {
	return &cobra.Command{
		Use:    "gen-man DIR",
		Short:  "Write one man page per command to DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: runE(code, func(cmd *cobra.Command, args []string) (int, error) {
			root := cmd.Root()
			root.DisableAutoGenTag = true // reproducible pages: no generation date
			header := &doc.GenManHeader{Section: "1", Source: "repoclosure " + version, Manual: "User Commands"}
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			return exitClosed, nil
		}),
	}
}
