package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// TestHelp: help goes to stdout with exit 0, lists every command, shows the
// synopsis, examples and grouped options, and hides the compatibility-only
// options; `help CMD` and `CMD --help` agree.
func TestHelp(t *testing.T) {
	code, out, stderr := runCLI(t, "--help")
	if code != exitClosed || stderr != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"Usage:\n  repoclosure [options]", "Examples:", "Where the packages come from:",
		"What is checked:", "Output:", "--repofrompath NAME,LOCATION", "-x, --exclude GLOB", "-C, --cacheonly"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
	root := newRootCmd(new(int))
	for _, c := range root.Commands() {
		if !c.Hidden && !strings.Contains(out, "\n  "+c.Name()+" ") {
			t.Errorf("--help does not list command %s", c.Name())
		}
	}
	for _, name := range []string{"matrix", "series", "symdiff", "dump", "completion", "closure"} {
		if !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("--help does not list %s", name)
		}
	}
	// --installroot and -c/--config are real options now (issue 8, section 1).
	for _, hidden := range []string{"--nogpgcheck", "--assumeyes", "--repoid", "--debuglevel", "--verbose"} {
		if strings.Contains(out, hidden) {
			t.Errorf("--help shows the compatibility option %s", hidden)
		}
	}
	for _, cmd := range []string{"matrix", "series", "symdiff", "dump", "closure"} {
		_, viaHelp, _ := runCLI(t, "help", cmd)
		code, viaFlag, _ := runCLI(t, cmd, "-h")
		if code != exitClosed || viaHelp != viaFlag || !strings.Contains(viaHelp, "Usage:\n  repoclosure "+cmd) || !strings.Contains(viaHelp, "Examples:\n  repoclosure ") {
			t.Errorf("help %s (exit %d):\n%s\n%s -h:\n%s", cmd, code, viaHelp, cmd, viaFlag)
		}
	}
	if _, out, _ := runCLI(t, "help", "symdiff"); strings.Contains(out, "--kmod ") {
		t.Errorf("symdiff offers --kmod, which it cannot apply:\n%s", out)
	}
}

// TestUsageErrors: typos get a suggestion, stray arguments and bad options
// exit 2 with the reason on stderr and nothing on stdout.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"matrx"}, "Did you mean this?\n\tmatrix"},
		{[]string{"--chek", "x"}, "Did you mean this?\n\t--check"},
		{[]string{"matrix", "--fromat", "json"}, "Did you mean this?\n\t--format"},
		{[]string{"--format", "json"}, "--format is an option of: repoclosure matrix"},
		{[]string{"--stablelist=x"}, "--stablelist is an option of: repoclosure series"},
		{[]string{"--list"}, "--list is an option of: repoclosure symdiff"},
		{[]string{"matrix", "extra"}, `unknown command "extra"`},
		{[]string{"closure", "extra"}, `unknown command "extra"`},
		{[]string{"symdiff", "only-one"}, "symdiff takes two kernel builds"},
		{[]string{"series", "--rich=dnf6"}, "want exact or dnf4"},
		{[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"completion", "tcsh"}, "tcsh"},
		{[]string{"help", "matrx"}, "Did you mean this?\n\tmatrix"},
		{[]string{"bogus"}, "unknown command \"bogus\" for \"repoclosure\"\nsee 'repoclosure --help'\n"},
		{[]string{"matrix", "extra"}, "see 'repoclosure matrix --help'\n"},
		{[]string{"help", "matrix", "extra"}, `unknown help topic "matrix extra"`},
	}
	for _, tt := range tests {
		args := tt.args
		if args[0] != "completion" && args[0] != "help" {
			args = append(args, "-q", "--setopt=reposdir=/nonexistent")
		}
		code, stdout, stderr := runCLI(t, args...)
		if code != exitError || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, stdout, stderr, tt.want)
		}
	}
}

// TestDNFCommandLines: dnf's combined short options, its long-only
// compatibility options and `repoclosure closure`/`repoclosure repoclosure`
// give the same report as the plain command line.
func TestDNFCommandLines(t *testing.T) {
	base := []string{"--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(), "--repofrompath", "b," + fixtureDir("base")}
	code, want, _ := runCLI(t, append([]string{"-q", "-n"}, base...)...)
	if code != exitUnresolved || want == "" {
		t.Fatalf("plain: exit %d, %q", code, want)
	}
	for _, args := range [][]string{
		append([]string{"-qn"}, base...),
		append([]string{"-qnC"}, base...), // file:// repositories need no cache
		append([]string{"-qv", "--newest", "-y", "--nogpgcheck", "--refresh", "--installroot", "/nonexistent", "-d", "0", "--disableplugin=*"}, base...),
		append([]string{"closure", "-qn"}, base...),
		append([]string{"repoclosure", "-qn"}, base...),
	} {
		code, got, stderr := runCLI(t, args...)
		if code != exitUnresolved || got != want {
			t.Errorf("%q: exit %d, stderr %q, output differs:\n%s", args, code, stderr, got)
		}
	}
}

// TestNaturalCompare: digit runs compare as numbers.
func TestNaturalCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int // sign
	}{
		{"kmod-drv9-1.0-1.x86_64", "kmod-drv10-1.0-1.x86_64", -1},
		{"kmod-drv10-1.0-1.x86_64", "kmod-drv9-1.0-1.x86_64", 1},
		{"a-1.10", "a-1.9", 1},
		{"a", "a", 0},
		{"a", "ab", -1},
		{"a01", "a1", 0},
		{"a1b", "a1a", 1},
	}
	for _, tt := range tests {
		got := naturalCompare(tt.a, tt.b)
		if (got < 0) != (tt.want < 0) || (got > 0) != (tt.want > 0) {
			t.Errorf("naturalCompare(%q, %q) = %d, want sign %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// binaries caches built binaries by build tags, for the tests that run the
// program as a user would.
var binaries struct {
	sync.Mutex
	dir   string
	built map[string]string
}

// buildBinary builds repoclosure as the Makefile does, stamping the version
// "v9.9.9-test" and commit "abc123", with the given build tags.
func buildBinary(t *testing.T, tags string) string {
	t.Helper()
	binaries.Lock()
	defer binaries.Unlock()
	if bin, ok := binaries.built[tags]; ok {
		return bin
	}
	if binaries.dir == "" {
		dir, err := os.MkdirTemp("", "repoclosure-bin")
		if err != nil {
			t.Fatal(err)
		}
		binaries.dir, binaries.built = dir, map[string]string{}
	}
	bin := filepath.Join(binaries.dir, "repoclosure"+strings.ReplaceAll(tags, ",", "-"))
	cmd := testenv.Command(t, "go", "build", "-trimpath", "-tags", tags, "-o", bin,
		"-ldflags", "-s -w -X main.version=v9.9.9-test -X main.commit=abc123", ".")
	cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	binaries.built[tags] = bin
	return bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// TestVersion: --version prints the version and commit stamped at build
// time and the Go version.
func TestVersion(t *testing.T) {
	out, err := exec.Command(buildBinary(t, ""), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.HasPrefix(s, "repoclosure v9.9.9-test (commit abc123, go1.") {
		t.Errorf("--version: %q", s)
	}
}

// TestCompletion: the bash, zsh and fish scripts are generated; bash loads
// its script and then completes subcommands and options.
func TestCompletion(t *testing.T) {
	bin := buildBinary(t, "")
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out, err := exec.Command(bin, "completion", shell).Output()
		if err != nil || !strings.Contains(string(out), "repoclosure") {
			t.Errorf("completion %s: %v, %d bytes", shell, err, len(out))
		}
	}
	// Completing is the program's job (the scripts call its hidden
	// __complete command): subcommands, options, option values.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"mat"}, "matrix\t"},
		{[]string{"matrix", "--form"}, "--format\t"},
		{[]string{"matrix", "--format", ""}, "\nhtml\n"},
		{[]string{"--re"}, "--repofrompath\t"},
		{[]string{"help", "sym"}, "symdiff\t"},
		// The description as --help words it, without the backquotes
		// that mark its placeholder.
		{[]string{"watch", "--inter"}, "--interval\tpoll every DURATION (with ±10% jitter)"},
	} {
		out, err := exec.Command(bin, append([]string{"__complete"}, tt.args...)...).Output()
		if err != nil || !strings.Contains(string(out), tt.want) {
			t.Errorf("__complete %s: %q, want %q", tt.args, out, tt.want)
		}
	}
	cmd := testenv.Command(t, "bash", "-c", `set -e; source <("$BIN" completion bash); complete -p repoclosure`)
	cmd.Env = append(cmd.Env, "BIN="+bin)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "repoclosure") {
		t.Errorf("bash does not load the completion script: %v\n%s", err, out)
	}
}

// overstrike matches the character and backspace of grotty's bold and
// underline.
var overstrike = regexp.MustCompile("[^\b]\b")

// TestManPages: `make man` writes one page per command, and man renders
// each.
func TestManPages(t *testing.T) {
	testenv.Require(t, "man")
	dir := t.TempDir()
	if out, err := exec.Command(buildBinary(t, "mangen"), "gen-man", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen-man: %v\n%s", err, out)
	}
	root := newRootCmd(new(int))
	for _, page := range []string{"repoclosure", "repoclosure-matrix", "repoclosure-series", "repoclosure-symdiff",
		"repoclosure-dump", "repoclosure-closure", "repoclosure-watch", "repoclosure-serve",
		"repoclosure-completion", "repoclosure-completion-bash"} {
		file := filepath.Join(dir, page+".1")
		cmd := testenv.Command(t, "man", "-l", "-Tutf8", file)
		cmd.Env = append(cmd.Env, "MANPAGER=cat", "PAGER=cat", "MANWIDTH=100")
		out, err := cmd.CombinedOutput()
		text := overstrike.ReplaceAllString(string(out), "")
		if err != nil || !strings.Contains(text, "NAME") || !strings.Contains(text, "SYNOPSIS") || !strings.Contains(text, "EXIT STATUS") {
			t.Errorf("man %s: %v\n%s", file, err, text)
			continue
		}
		// The description says what --help says, word for word: not read
		// as Markdown ("kabi_stablelist_<arch>" lost its underscores and
		// "<arch>"). cobra's completion pages are Markdown.
		if c, _, err := root.Find(strings.Split(page, "-")[1:]); err == nil && !strings.Contains(page, "completion") {
			if got, want := manDescription(text), strings.Join(strings.Fields(c.Long), " "); got != want {
				t.Errorf("man %s: the description reads\n%s\nwant, as --help,\n%s", page, got, want)
			}
		}
		// A watch --interval stopped by SIGINT or SIGTERM exits 130 (main:
		// interrupted), not 0.
		if page == "repoclosure-watch" && !strings.Contains(strings.Join(strings.Fields(text), " "), "130 interrupted, which is how --interval ends") {
			t.Errorf("the watch page does not say that --interval ends with 130:\n%s", text)
		}
		if page == "repoclosure-matrix" && (!strings.Contains(text, "--baseline") || !strings.Contains(text, "3 with --baseline")) {
			t.Errorf("the matrix page lacks --baseline or its exit status 3:\n%s", text)
		}
		// Options as man pages write them: a placeholder, the default in
		// the text; not cobra's --cachedir="" or --cacheonly[=false].
		if page == "repoclosure-matrix" {
			for _, want := range []string{"--cachedir DIR\n", "-x, --exclude GLOB\n", "-C, --cacheonly\n", "--rich MODE\n", `(default "exact")`} {
				if !strings.Contains(text, want) {
					t.Errorf("the matrix page lacks %q:\n%s", want, text)
				}
			}
		}
		if strings.Contains(text, `=""`) || strings.Contains(text, "[=false]") || regexp.MustCompile(`--[a-z-]+=\S`).MatchString(text) {
			t.Errorf("man %s shows an option as --flag=default:\n%s", page, text)
		}
	}
	if pages, _ := filepath.Glob(filepath.Join(dir, "*gen-man*")); len(pages) != 0 {
		t.Errorf("a page for the hidden generator: %v", pages)
	}
	// A completion page for each shell the README lists, and no other.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := regexp.MustCompile("`repoclosure completion ([a-z\\\\|]+)`").FindSubmatch(readme)
	if listed == nil {
		t.Fatal("README lists no completion shells (`repoclosure completion bash\\|zsh\\|fish`)")
	}
	var want []string
	for _, sh := range strings.Split(string(listed[1]), "\\|") {
		want = append(want, filepath.Join(dir, "repoclosure-completion-"+sh+".1"))
	}
	got, _ := filepath.Glob(filepath.Join(dir, "repoclosure-completion-*.1"))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("completion pages %v, want those of the README's shells %v", got, want)
	}
}

// manDescription is the DESCRIPTION section of a page as man rendered it,
// its words joined by single spaces and the words man hyphenated at line
// ends joined again.
func manDescription(text string) string {
	_, desc, _ := strings.Cut(text, "\nDESCRIPTION\n")
	if end := regexp.MustCompile(`\n[A-Z]`).FindStringIndex(desc); end != nil {
		desc = desc[:end[0]]
	}
	desc = regexp.MustCompile(`‐\n\s+`).ReplaceAllString(desc, "")
	desc = regexp.MustCompile(`-\n\s+`).ReplaceAllString(desc, "-")
	return strings.Join(strings.Fields(desc), " ")
}

// TestJSONEscaping: every command writes JSON alike; closure --json prints
// "opprov >= 1:1.0" as is, as the matrix JSON does, not as "\u003e=".
func TestJSONEscaping(t *testing.T) {
	common := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir()}
	_, closure, _ := runCLI(t, append(common, "--json", "--repofrompath", "b,"+fixtureDir("base"))...)
	_, matrix, _ := runCLI(t, append([]string{"matrix", "--format", "json", "--repofrompath", "k," + fixtureDir("kernels"),
		"--repofrompath", "m," + fixtureDir("kmods")}, common...)...)
	_, dump, _ := runCLI(t, append([]string{"dump", "--json", "--repofrompath", "b," + fixtureDir("base")}, common...)...)
	for name, out := range map[string]string{"closure --json": closure, "matrix --format json": matrix, "dump --json": dump} {
		if !strings.Contains(out, " >= ") || strings.Contains(out, `\u003e`) {
			t.Errorf("%s: want >= unescaped (%d bytes of output)", name, len(out))
		}
	}
}

// TestMatrixHelpReasonsAndRichCompletion: matrix --help names every reason
// a cell can give, and --rich completes its modes on every command.
func TestMatrixHelpReasonsAndRichCompletion(t *testing.T) {
	code, help, _ := runCLI(t, "matrix", "--help")
	help = strings.Join(strings.Fields(help), " ")
	for _, r := range []string{report.ReasonCRCMismatch, report.ReasonUnknownSymbol, report.ReasonKernelVersion,
		report.ReasonKernelPackageMissing, report.ReasonOther} {
		if code != exitClosed || !strings.Contains(help, r) {
			t.Errorf("matrix --help (exit %d) does not name the reason %s", code, r)
		}
	}
	for _, cmd := range []string{"closure", "matrix", "series", "symdiff"} {
		_, out, _ := runCLI(t, "__complete", cmd, "--rich", "")
		if !strings.HasPrefix(out, "exact\ndnf4\n") {
			t.Errorf("%s --rich completes %q, want exact and dnf4", cmd, out)
		}
	}
}
