package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// writeHelp prints a command's help: what it does, the synopsis, the
// subcommands, examples and the options by group.
func writeHelp(w io.Writer, c *cobra.Command) {
	text := strings.TrimSpace(c.Long)
	if text == "" {
		text = c.Short
	}
	fmt.Fprintf(w, "%s\n\n", text)
	writeUsage(w, c)
}

// writeUsage prints the synopsis, subcommands, examples and options.
func writeUsage(w io.Writer, c *cobra.Command) {
	fmt.Fprintf(w, "Usage:\n  %s\n", c.UseLine())
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "  %s COMMAND [options]\n", c.CommandPath())
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\nCommands:\n")
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(w, "  %-*s %s\n", c.NamePadding(), sub.Name(), sub.Short)
			}
		}
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(c.Example, "\n"))
	}
	groups := map[string]*pflag.FlagSet{}
	c.Flags().VisitAll(func(f *pflag.Flag) {
		g := "Other options"
		if a := f.Annotations[groupAnnotation]; len(a) > 0 {
			g = a[0]
		}
		if groups[g] == nil {
			groups[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
			groups[g].SortFlags = false
		}
		groups[g].AddFlag(f)
	})
	for _, g := range []string{groupSources, groupSelection, groupOutput, "Other options"} {
		if fs := groups[g]; fs != nil && fs.HasAvailableFlags() {
			fmt.Fprintf(w, "\n%s:\n%s", g, fs.FlagUsages())
		}
	}
	if c.HasAvailableSubCommands() {
		// cobra's help command is the root's: "repoclosure help completion bash".
		fmt.Fprintf(w, "\nRun \"%s help%s COMMAND\" for a command's options.\n",
			c.Root().Name(), strings.TrimPrefix(c.CommandPath(), c.Root().Name()))
	}
}

// newHelpCmd replaces cobra's help command, which prints the root's help
// and exits 0 for an unknown topic; here that is a usage error with a
// suggestion, as for any unknown command.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]...",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := c.Root().Find(args)
			if err == nil && len(rest) > 0 {
				err = fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
			}
			if err != nil {
				return usageError{err}
			}
			target.InitDefaultHelpFlag() // as executing it would, so that help lists -h
			return target.Help()
		},
		ValidArgsFunction: func(c *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
			parent, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range parent.Commands() {
				if sub.IsAvailableCommand() && strings.HasPrefix(sub.Name(), prefix) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
	}
}

// flagError is a bad option: it suggests the nearest option name and marks
// the error as a usage error.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if s := commandsWithFlag(c.Root(), name); len(s) > 0 && !slices.Contains(s, c.CommandPath()) {
			err = fmt.Errorf("%w\n\n--%s is an option of: %s", err, name, strings.Join(s, ", "))
		} else if s := suggestFlags(c, name); len(s) > 0 {
			err = fmt.Errorf("%w\n\nDid you mean this?\n\t--%s", err, strings.Join(s, "\n\t--"))
		}
	}
	return usageError{fmt.Errorf("%w\nsee '%s --help'", err, c.CommandPath())}
}

// commandsWithFlag names the commands that have the visible option name
// ("repoclosure --format" is matrix's option).
func commandsWithFlag(root *cobra.Command, name string) []string {
	name, _, _ = strings.Cut(name, "=")
	var out []string
	for _, c := range root.Commands() {
		if f := c.Flags().Lookup(name); f != nil && !f.Hidden {
			out = append(out, c.CommandPath())
		}
	}
	return out
}

// suggestFlags returns the visible option names within an edit per three
// characters of name (at least one), or that start with it.
func suggestFlags(c *cobra.Command, name string) []string {
	name, _, _ = strings.Cut(name, "=")
	var out []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if editDistance(name, f.Name) <= max(1, len(name)/3) || (len(name) >= 3 && strings.HasPrefix(f.Name, name)) {
			out = append(out, f.Name)
		}
	})
	slices.Sort(out)
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
