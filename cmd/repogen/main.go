// Command repogen writes generated rpm-md repositories for tests and demos
// (`repogen --help` prints this usage).
//
//	repogen kernel-series -o DIR [--kernels N --symbols N --kmods N --others N
//	                      --minor-every N --seed S --arch A --compress gz|xz|zstd|none]
//	repogen random -o DIR [--seed S --n N --rich --compress ...]
//
// kernel-series writes DIR/kernels (kernels and ordinary packages), DIR/kmods
// and DIR/kabi_stablelist_<arch>; random writes one repository in DIR.
// The same flags always give byte-identical files.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/repoclosure/repoclosure/internal/plural"
	"github.com/repoclosure/repoclosure/internal/repogen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "repogen:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "see 'repogen --help'")
			os.Exit(2)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: repogen kernel-series|random -o DIR [flags]")

// usage is what --help prints; each command's -h lists its flags.
const usage = `repogen writes generated rpm-md repositories (real checksums, real
compressed metadata) for tests and demos. The same flags always give
byte-identical files.

Usage:
  repogen kernel-series -o DIR [--kernels N --symbols N --kmods N --others N
                        --minor-every N --seed S --arch A --compress gz|xz|zstd|none]
      DIR/kernels (kernel builds and ordinary packages), DIR/kmods and
      DIR/kabi_stablelist_<arch>: an EL-like kernel series whose CRCs change
      at each minor release, and kmods that track it or break.
  repogen random -o DIR [--seed S --n N --rich --compress gz|xz|zstd|none]
      one repository of random packages and dependencies in DIR.

Run "repogen COMMAND -h" for a command's flags and defaults.

Example (testdata/el8-demo/README.md has the command that wrote that folder):
  go run ./cmd/repogen kernel-series -o /tmp/series --kernels 20 --compress xz
`

// compressionFlag is a flag.Value over repogen.Compression.
type compressionFlag struct{ c *repogen.Compression }

func (f compressionFlag) String() string {
	if f.c == nil {
		return ""
	}
	return f.c.String()
}

func (f compressionFlag) Set(s string) error {
	c, err := repogen.ParseCompression(s)
	if err != nil {
		return err
	}
	*f.c = c
	return nil
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		_, err := io.WriteString(stdout, usage)
		return err
	}
	fs := flag.NewFlagSet("repogen "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output `directory` (required)")
	seed := fs.Int64("seed", 1, "random seed")
	comp := repogen.Gzip
	fs.Var(compressionFlag{&comp}, "compress", "metadata compression: gz, xz, zstd or none")
	switch args[0] {
	case "kernel-series":
		var cfg repogen.SeriesConfig
		fs.IntVar(&cfg.Kernels, "kernels", 8, "kernel builds")
		fs.IntVar(&cfg.Symbols, "symbols", 3000, "kernel(...) symbols of the first build")
		fs.IntVar(&cfg.Kmods, "kmods", 12, "kmod packages")
		fs.IntVar(&cfg.OtherPkgs, "others", 40, "ordinary packages")
		fs.IntVar(&cfg.MinorJumpAt, "minor-every", 4, "builds per minor release")
		fs.StringVar(&cfg.Arch, "arch", "x86_64", "architecture")
		if err := parse(fs, args[1:]); err != nil {
			return helpIsNoError(err)
		}
		if *out == "" {
			return fmt.Errorf("%w: -o is required", errUsage)
		}
		cfg.Seed = *seed
		s := repogen.NewSeries(cfg)
		if err := s.Write(*out, comp); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s (%s), %s, %s, %s\n", *out, plural.Count(len(s.Builds), "kernel build"),
			plural.Count(len(s.Kernels), "package"), plural.Count(len(s.Kmods), "kmod"),
			plural.Count(len(s.Others), "other package"), plural.Count(len(s.StableList), "stable-list symbol"))
		return nil
	case "random":
		var cfg repogen.RandomConfig
		fs.IntVar(&cfg.N, "n", 100, "packages")
		fs.BoolVar(&cfg.RichDeps, "rich", false, "add rich (boolean) requires")
		if err := parse(fs, args[1:]); err != nil {
			return helpIsNoError(err)
		}
		if *out == "" {
			return fmt.Errorf("%w: -o is required", errUsage)
		}
		cfg.Seed = *seed
		pkgs := repogen.NewRandomRepo(cfg)
		if err := repogen.WriteRepo(*out, pkgs, comp); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", *out, plural.Count(len(pkgs), "package"))
		return nil
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// helpIsNoError turns -h (its flags are printed) into success.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return err
	} else if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}
