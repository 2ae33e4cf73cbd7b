// Command repoclosure reports the packages of RPM repositories whose
// dependencies cannot be met, as `dnf repoclosure` does, without dnf; and
// which kernel modules install on which kernel builds, and why not.
//
// Exit codes: 0 closed, 1 unresolved dependencies, 2 usage or load error,
// 3 a matrix regression against --baseline, 130 interrupted (SIGINT).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	go func() {
		<-ctx.Done()
		stop() // a second interrupt kills at once
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if ctx.Err() != nil {
		// Interrupted: whatever was printed is no answer.
		code = exitInterrupt
	}
	os.Exit(code)
}

// run dispatches a subcommand and maps its outcome to an exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "closure"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var code int
	var err error
	out := &errWriter{w: stdout}
	stdout = out
	switch cmd {
	case "closure", "repoclosure":
		code, err = runClosure(ctx, args, stdout, stderr)
	case "dump":
		code, err = runDump(ctx, args, stdout, stderr)
	case "matrix":
		code, err = runMatrix(ctx, args, stdout, stderr)
	case "symdiff":
		code, err = runSymdiff(ctx, args, stdout, stderr)
	case "series":
		code, err = runSeries(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprintln(stdout, usageText)
		return exitClosed
	default:
		err = usageError{fmt.Errorf("unknown command %q\n%s", cmd, usageText)}
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitClosed // the flag set printed the options
	}
	if err == nil && out.err != nil {
		// An answer nobody could read is no answer.
		err = fmt.Errorf("writing standard output: %w", out.err)
		code = exitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitError
		}
		if code == 0 {
			code = exitError
		}
	}
	return code
}

const usageText = `usage: repoclosure [closure] [options]   report unresolved dependencies (dnf repoclosure)
       repoclosure matrix [options]      the kmod × kernel install matrix (--format table|csv|json|markdown|html)
       repoclosure symdiff A B [options] kernel(...) symbols added, removed, changed between two kernel builds
       repoclosure series [options]      symbol change over the kernel builds, kmod rebuilds, kABI coverage
       repoclosure dump [options]        print the loaded package records
Run "repoclosure COMMAND -h" for a command's options.`
