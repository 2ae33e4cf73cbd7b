// Command repoclosure reports the packages of RPM repositories whose
// dependencies cannot be met, as `dnf repoclosure` does, without dnf; and
// which kernel modules install on which kernel builds, and why not.
//
// Exit codes: 0 closed, 1 unresolved dependencies, 2 usage or load error,
// 3 a kernel regression (matrix --baseline, watch), 130 interrupted (SIGINT).
//
// Each command is one file: a constructor that returns its *cobra.Command,
// registered with addCommand from the file's init; closure's, the
// dnf-compatible default, is also the root (newRootCmd).
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"syscall"

	"github.com/spf13/cobra"
)

const (
	exitClosed     = 0
	exitUnresolved = 1
	exitError      = 2
	exitRegression = 3
	exitInterrupt  = 130 // 128 + SIGINT, as shells and dnf report it
)

// usageError marks errors in the command line, reported with exitError.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal kills at once
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if ctx.Err() != nil {
		// Interrupted: whatever was printed is no answer.
		code = exitInterrupt
	}
	os.Exit(code)
}

// run executes the command tree on args and maps the outcome to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var code int
	// Every command's stdout goes through out, which remembers a failed
	// write: an answer nobody could read is no answer.
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		stdout = unquoteWriter{stdout}
	}
	out := &errWriter{w: stdout}
	root := newRootCmd(&code)
	root.SetOut(out)
	root.SetErr(stderr)
	if args == nil {
		args = []string{} // nil would make cobra read os.Args
	}
	root.SetArgs(args)
	ctx, bg := withBackground(ctx)
	err := root.ExecuteContext(ctx)
	// A cold load's snapshot may still be being written: before exiting.
	bg.Wait()
	if err == nil && out.err != nil {
		err = fmt.Errorf("writing standard output: %w", out.err)
		code = exitError
	}
	if err != nil {
		// cobra's own "unknown command" errors get the hint a bad option
		// gets (flagError).
		if m := unknownCommandRE.FindStringSubmatch(err.Error()); m != nil {
			err = fmt.Errorf("%w\nsee '%s --help'", err, m[1])
		}
		fmt.Fprintf(stderr, "Error: %v\n", err)
		if code == exitClosed {
			code = exitError
		}
	}
	return code
}

// unquoteWriter drops backquotes. cobra describes an option to the shells'
// completion by its raw usage, where backquotes mark the placeholder that
// --help shows ("poll every `DURATION`"): zsh and fish would show them.
type unquoteWriter struct{ w io.Writer }

func (u unquoteWriter) Write(p []byte) (int, error) {
	if _, err := u.w.Write(bytes.ReplaceAll(p, []byte("`"), nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// unknownCommandRE matches cobra's error for a stray word and captures the
// command it was given to.
var unknownCommandRE = regexp.MustCompile(`^unknown command ".*" for "([^"]+)"`)

// commandFunc builds one subcommand; code receives its exit code.
type commandFunc func(code *int) *cobra.Command

// commands are the subcommands, each added by its own file's init.
var commands []commandFunc

// addCommand registers a subcommand constructor; call it from init.
func addCommand(f commandFunc) { commands = append(commands, f) }

// runE adapts a command body returning an exit code to cobra's RunE.
func runE(code *int, body func(cmd *cobra.Command, args []string) (int, error)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c, err := body(cmd, args)
		*code = c
		return err
	}
}

// newRootCmd builds the tree: the root is the dnf-compatible closure, so
// `repoclosure --repo …` works as `dnf repoclosure --repo …` does.
func newRootCmd(code *int) *cobra.Command {
	root := newClosureCmd(code)
	root.Use = "repoclosure [options]"
	root.Aliases = nil
	root.Args = nil // cobra then rejects stray words as unknown commands, with suggestions
	root.Short = "Unresolved dependencies of RPM repositories, and which kmods install on which kernels"
	root.Long = `repoclosure answers, from RPM repository metadata alone, which packages cannot
have their dependencies met, and which kernel modules (kmods) install on which
kernel builds, and why not.

Without a command it is a drop-in for dnf repoclosure: dnf's options, dnf's output
and exit codes 0 closed and 1 unresolved dependencies; 2 for an error or a request
that names nothing (no enabled repository, an unknown --check...), 130 interrupted.`
	root.Version = versionString()
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.Flags().Bool("version", false, "print the version, commit and Go version")
	root.SilenceErrors = true // run prints them, with dnf's "Error: " prefix
	root.SilenceUsage = true
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(c *cobra.Command, _ []string) { writeHelp(c.OutOrStdout(), c) })
	root.SetUsageFunc(func(c *cobra.Command) error { writeUsage(c.OutOrStderr(), c); return nil })
	root.SetHelpCommand(newHelpCmd())
	closure := newClosureCmd(code)
	root.AddCommand(closure)
	for _, f := range commands {
		root.AddCommand(f(code))
	}
	// cobra's completion command has a subcommand per shell and prints its
	// help for any other word; an unknown shell is a usage error here.
	root.InitDefaultCompletionCmd()
	if comp, _, err := root.Find([]string{"completion"}); err == nil && comp.Name() == "completion" {
		comp.Args = cobra.ArbitraryArgs
		comp.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("completion: unknown shell %q: want bash, zsh or fish", args[0])}
			}
			return c.Help()
		}
		// The shells of the README and of `make install`; powershell's
		// script still prints, but is not offered in help or man pages.
		for _, sh := range comp.Commands() {
			sh.Hidden = sh.Name() == "powershell"
		}
	}
	// Synopses say [options] themselves; options print in the order they
	// are registered, most used first.
	for _, c := range append(root.Commands(), root) {
		c.DisableFlagsInUseLine = true
		c.Flags().SortFlags = false
		if c.Flags().Lookup("rich") != nil {
			must(c.RegisterFlagCompletionFunc("rich", cobra.FixedCompletions(
				[]string{"exact", "dnf4"}, cobra.ShellCompDirectiveNoFileComp)))
		}
	}
	return root
}
