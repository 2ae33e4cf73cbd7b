//go:build mangen

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
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
			literalText(root)
			header := &doc.GenManHeader{Section: "1", Source: "repoclosure " + version, Manual: "User Commands"}
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			if err := doc.GenManTree(root, header, args[0]); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			if err := finishPages(root, args[0]); err != nil {
				return exitError, fmt.Errorf("man pages: %w", err)
			}
			return exitClosed, nil
		}),
	}
}

// literalText makes each command's Short and Long reach the pages as
// written: cobra renders them as Markdown, which took the underscores of
// "kabi_stablelist_<arch>" for emphasis and "<arch>" for an HTML tag.
// cobra's own completion commands are left alone: their help is Markdown
// (headings, code blocks).
func literalText(cmd *cobra.Command) {
	cmd.Short, cmd.Long = markdownLiteral(cmd.Short), markdownLiteral(cmd.Long)
	for _, c := range cmd.Commands() {
		if c.Name() != "completion" {
			literalText(c)
		}
	}
}

// markdownLiteral backslash-escapes the characters Markdown would read as
// inline markup.
func markdownLiteral(s string) string {
	return strings.NewReplacer(`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`,
		`<`, `\<`, `>`, `\>`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// exitStatus is a command's EXIT STATUS section, which cobra's pages lack.
func exitStatus(name string) string {
	switch name {
	case "repoclosure", "closure":
		return "0 every checked dependency is met; 1 unresolved dependencies (as dnf); 2 a usage, load or output error, or a request that names nothing; 130 interrupted."
	case "matrix":
		return "0 the matrix was written; 2 a usage, load or output error, or no kmod to put in it; 3 with --baseline, a new kernel build breaks a kmod that installed on the build before; 130 interrupted."
	case "watch":
		return "0 the poll was recorded (with --once); 2 an error; 3 with --once, the poll emitted a regression; 130 interrupted, which is how --interval ends (SIGINT or SIGTERM, once the poll under way is recorded)."
	}
	return "0 success; 2 a usage, load or output error, or a request that names nothing; 130 interrupted."
}

// finishPages rewrites each page written under dir: its options in the
// form man pages use, and an EXIT STATUS section.
func finishPages(cmd *cobra.Command, dir string) error {
	for _, c := range cmd.Commands() {
		if err := finishPages(c, dir); err != nil {
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
	out := manOptions(string(text), cmd)
	// Before SEE ALSO, where man-pages(7) puts it.
	section := ".SH EXIT STATUS\n.PP\n" + exitStatus(cmd.Name()) + "\n"
	before, after, found := strings.Cut(out, ".SH SEE ALSO")
	if found {
		after = ".SH SEE ALSO" + after
	}
	return os.WriteFile(page, []byte(before+section+after), 0o644)
}

// manOptions replaces a page's OPTIONS sections, where cobra writes
// --cachedir="" (the default as a value), with the form of man pages and
// of --help: "--cachedir DIR", the placeholder the usage names, a default
// other than the zero value said in the text.
func manOptions(page string, cmd *cobra.Command) string {
	for _, s := range []struct {
		title string
		flags *pflag.FlagSet
	}{{"OPTIONS", cmd.NonInheritedFlags()}, {"OPTIONS INHERITED FROM PARENT COMMANDS", cmd.InheritedFlags()}} {
		head := ".SH " + s.title + "\n"
		start := strings.Index(page, head)
		if start < 0 {
			continue
		}
		body := start + len(head)
		end := strings.Index(page[body:], "\n.SH ")
		if end < 0 {
			end = len(page) - body
		} else {
			end++ // keep the newline before .SH
		}
		page = page[:body] + roffOptions(s.flags) + "\n" + page[body+end:]
	}
	return page
}

// roffOptions is one tagged paragraph per visible option.
func roffOptions(fs *pflag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		name, usage := pflag.UnquoteUsage(f)
		b.WriteString(".TP\n")
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			fmt.Fprintf(&b, "\\fB-%s\\fR, ", f.Shorthand)
		}
		fmt.Fprintf(&b, "\\fB--%s\\fR", f.Name)
		switch {
		case name == "":
		case f.NoOptDefVal != "":
			fmt.Fprintf(&b, "[=\\fI%s\\fR]", roffText(name))
		default:
			fmt.Fprintf(&b, " \\fI%s\\fR", roffText(name))
		}
		if d := defaultText(f); d != "" {
			usage += " " + d
		}
		b.WriteString("\n" + roffText(usage) + "\n")
	})
	return b.String()
}

// defaultText is "(default X)", as --help writes it, or "" for an option
// whose default is its type's zero value.
func defaultText(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	if f.Value.Type() == "string" {
		return fmt.Sprintf("(default %q)", f.DefValue)
	}
	return "(default " + f.DefValue + ")"
}

// roffText escapes text for roff: backslashes, and a control character
// (. or ') starting a line.
func roffText(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\e")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = "\\&" + l
		}
	}
	return strings.Join(lines, "\n")
}
