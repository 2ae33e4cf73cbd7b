//go:build mangen

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
			if err := addExitStatus(root, args[0]); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			return exitClosed, nil
		}),
	}
}

// exitStatus is a command's EXIT STATUS section, which cobra's pages lack.
func exitStatus(name string) string {
	switch name {
	case "repoclosure", "closure":
		return "0 every checked dependency is met; 1 unresolved dependencies (as dnf); 2 a usage, load or output error, or a request that names nothing; 130 interrupted."
	case "matrix":
		return "0 the matrix was written; 2 a usage, load or output error, or no kmod to put in it; 3 with --baseline, a new kernel build breaks a kmod that installed on the build before; 130 interrupted."
	case "watch":
		return "0 the poll was recorded (with --once) or the watch was stopped; 2 an error; 3 with --once, the poll emitted a regression; 130 interrupted."
	}
	return "0 success; 2 a usage, load or output error, or a request that names nothing; 130 interrupted."
}

// addExitStatus appends the EXIT STATUS section to every page written
// under dir.
func addExitStatus(cmd *cobra.Command, dir string) error {
	for _, c := range cmd.Commands() {
		if err := addExitStatus(c, dir); err != nil {
			return err
		}
	}
	if !cmd.IsAvailableCommand() && cmd.HasParent() {
		return nil
	}
	page := filepath.Join(dir, strings.ReplaceAll(cmd.CommandPath(), " ", "-")+".1")
	text, err := os.ReadFile(page)
	if err != nil {
		return err
	}
	// Before SEE ALSO, where man-pages(7) puts it.
	section := ".SH EXIT STATUS\n.PP\n" + exitStatus(cmd.Name()) + "\n"
	before, after, found := strings.Cut(string(text), ".SH SEE ALSO")
	if found {
		after = ".SH SEE ALSO" + after
	}
	return os.WriteFile(page, []byte(before+section+after), 0o644)
}
