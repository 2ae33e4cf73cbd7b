package repomd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// RepoConfig is one repository section of a .repo file, with variables
// substituted and options parsed as dnf 4 (libdnf 0.69) does.
type RepoConfig struct {
	ID, Name             string
	BaseURLs             []string // tried in order
	Mirrorlist, Metalink string
	Enabled              bool     // default true
	Exclude, Include     []string // excludepkgs (alias exclude) and includepkgs globs
	ModuleHotfixes       bool
	Priority, Cost       int      // defaults 99 and 1000
	File                 string   // the .repo file it came from
	HTTP                 RepoHTTP // sslverify, sslcacert, sslclientcert, sslclientkey, proxy
}

// Vars are the values substituted for $name and ${name} in .repo files:
// releasever, basearch, arch, and whatever the caller adds (dnf also reads
// /etc/dnf/vars).
type Vars map[string]string

// Substitute replaces $name and ${name} in s, where a name is a run of ASCII
// letters, digits and underscores taken whole. Unknown names are left as
// they are, as dnf does. releasever_major and releasever_minor, unless set,
// are the parts of releasever before and after its first dot, as newer
// libdnf and dnf5 derive them.
func (v Vars) Substitute(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		braces := i+1 < len(s) && s[i+1] == '{'
		start := i + 1
		if braces {
			start++
		}
		end := start
		for end < len(s) && isVarNameByte(s[end]) {
			end++
		}
		value, known := v.lookup(s[start:end])
		next := end
		if braces {
			if end >= len(s) || s[end] != '}' {
				known = false
			}
			next = end + 1
		}
		if !known {
			b.WriteByte('$')
			i++
			continue
		}
		b.WriteString(value)
		i = next
	}
	return b.String()
}

func (v Vars) lookup(name string) (string, bool) {
	if value, ok := v[name]; ok {
		return value, true
	}
	release, ok := v["releasever"]
	if !ok {
		return "", false
	}
	major, minor, _ := strings.Cut(release, ".")
	switch name {
	case "releasever_major":
		return major, true
	case "releasever_minor":
		return minor, true
	}
	return "", false
}

func isVarNameByte(c byte) bool {
	return c == '_' || rpmver.IsDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// iniValue is one key of a section, with the line where it was set.
type iniValue struct {
	key, value string
	line       int
}

// iniSection keeps its keys in the order they first appear; a repeated
// key replaces the value, as in libdnf's ConfigParser.
type iniSection struct {
	name   string
	line   int
	values []iniValue
}

func (s *iniSection) set(v iniValue) {
	for i := range s.values {
		if s.values[i].key == v.key {
			s.values[i].value, s.values[i].line = v.value, v.line
			return
		}
	}
	s.values = append(s.values, v)
}

// parseINI reads an INI file the way libdnf's IniParser does:
//   - "[section]"; text after "]" other than blanks or a "#"/";" comment is
//     an error (libdnf lets one last character through, and so do we);
//   - "key=value" starting in column 0, blanks around key and value dropped;
//   - a line starting with a blank continues the value ("\n" joins), a
//     line of blanks adds an empty line to it (dropped again at its end),
//     an empty line or a comment ends it;
//   - "#" or ";" in column 0 starts a comment; nowhere else;
//   - a value wholly in matching single or double quotes loses them;
//   - a repeated section merges, a repeated key replaces.
func parseINI(r io.Reader, name string) ([]*iniSection, error) {
	p := iniParser{byName: map[string]*iniSection{}}
	br := bufio.NewReader(r)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if line == "" && err == io.EOF {
			break
		}
		line = strings.TrimSuffix(line, "\n")
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if lerr := p.line(line, lineNo); lerr != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, lerr)
		}
		if err == io.EOF {
			break
		}
	}
	p.flush()
	return p.sections, nil
}

// iniParser is parseINI's state from one line to the next.
type iniParser struct {
	sections []*iniSection
	byName   map[string]*iniSection
	cur      *iniSection
	pending  *iniValue // key being read, continuation lines may follow
}

// flush sets the pending key, its value complete.
func (p *iniParser) flush() {
	if p.pending != nil {
		p.pending.value = trimQuotes(trimBlankLines(p.pending.value))
		p.cur.set(*p.pending)
		p.pending = nil
	}
}

// line reads one line, without its newline.
func (p *iniParser) line(line string, lineNo int) error {
	switch {
	case line == "" || line[0] == '#' || line[0] == ';':
		p.flush()
		return nil
	case strings.Trim(line, " \t\r") == "":
		if p.pending != nil {
			p.pending.value += "\n"
		}
		return nil
	}
	start := strings.IndexFunc(line, func(c rune) bool { return c != ' ' && c != '\t' && c != '\r' })
	end := len(strings.TrimRight(line, " \t\r")) // one past the last non-blank
	if p.pending != nil && (start == 0 || line[start] == '[') {
		p.flush()
	}
	switch {
	case line[start] == '[':
		secName, err := sectionName(line, start, end)
		if err != nil {
			return err
		}
		if p.cur = p.byName[secName]; p.cur == nil {
			p.cur = &iniSection{name: secName, line: lineNo}
			p.byName[secName] = p.cur
			p.sections = append(p.sections, p.cur)
		}
	case p.cur == nil:
		return errors.New("key before any [section]")
	case start > 0:
		if p.pending == nil {
			return errors.New("continuation line without a key before it")
		}
		p.pending.value += "\n" + line[start:end]
	case line[0] == '=':
		return errors.New("missing key before '='")
	default:
		key, value, ok := splitKeyValue(line, end)
		if !ok {
			return errors.New("missing '=' (libdnf reads no \"key: value\")")
		}
		p.pending = &iniValue{key: key, value: value, line: lineNo}
	}
	return nil
}

// sectionName reads the "[name]" at line[start:], end being one past the
// line's last non-blank.
func sectionName(line string, start, end int) (string, error) {
	closing := strings.IndexByte(line[start+1:], ']')
	if closing < 0 {
		return "", errors.New("missing ']'")
	}
	closing += start + 1
	if closing == start+1 {
		return "", errors.New("empty section name")
	}
	for _, c := range []byte(line[closing+1 : max(closing+1, end-1)]) {
		if c == '#' || c == ';' {
			break
		}
		if c != ' ' && c != '\t' && c != '\r' {
			return "", errors.New("text after section header")
		}
	}
	return line[start+1 : closing], nil
}

// splitKeyValue splits "key = value" as libdnf does, end being one past the
// line's last non-blank. ok is false without a '='.
func splitKeyValue(line string, end int) (key, value string, ok bool) {
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return "", "", false
	}
	if rest := strings.TrimLeft(line[eq+1:], " \t"); rest != "" {
		// libdnf takes the value up to the last non-blank, but when only
		// carriage returns follow the blanks after '=' its unsigned
		// length wraps and it keeps them.
		if vp := len(line) - len(rest); vp <= end {
			value = line[vp:end]
		} else {
			value = rest
		}
	}
	return strings.TrimRight(line[:eq], " \t"), value, true
}

// trimBlankLines drops the empty lines that lines of blanks left at the end
// of a value, as libdnf 0.69 does, unless the value is nothing else.
func trimBlankLines(v string) string {
	if trimmed := strings.TrimRight(v, "\n"); trimmed != "" {
		return trimmed
	}
	return v
}

func trimQuotes(v string) string {
	if len(v) > 1 && v[0] == v[len(v)-1] && (v[0] == '"' || v[0] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// ParseRepoFile reads the repositories of one .repo file. name (the file's
// path) is recorded in RepoConfig.File and starts every error, with the
// line. Sections, keys and values follow libdnf's syntax (see parseINI);
// vars are substituted in section names and all values. The [main] section
// is skipped and unknown keys are ignored, as dnf does; keys are
// case-sensitive. Where dnf only logs a bad value or a bad repository id and
// goes on, this is an error.
func ParseRepoFile(r io.Reader, name string, vars Vars) ([]RepoConfig, error) {
	sections, err := parseINI(r, name)
	if err != nil {
		return nil, err
	}
	var repos []RepoConfig
	seen := map[string]int{}
	for _, sec := range sections {
		if sec.name == "main" {
			continue
		}
		repo, err := repoFromSection(sec, name, vars)
		if err != nil {
			return nil, err
		}
		if line, dup := seen[repo.ID]; dup {
			return nil, fmt.Errorf("%s:%d: repository %q is already defined on line %d", name, sec.line, repo.ID, line)
		}
		seen[repo.ID] = sec.line
		repos = append(repos, repo)
	}
	return repos, nil
}

func repoFromSection(sec *iniSection, file string, vars Vars) (RepoConfig, error) {
	repo := RepoConfig{
		ID:       vars.Substitute(sec.name),
		Enabled:  true,
		Priority: 99,
		Cost:     1000,
		File:     file,
	}
	if err := checkRepoID(repo.ID); err != nil {
		return repo, fmt.Errorf("%s:%d: %w", file, sec.line, err)
	}
	named := false
	for _, kv := range sec.values {
		value := vars.Substitute(kv.value)
		if value == "None" {
			value = "" // dnf's spelling of "unset"
		}
		var err error
		switch kv.key {
		case "name":
			repo.Name, named = value, true
		case "baseurl":
			repo.BaseURLs = splitList(value)
		case "mirrorlist":
			repo.Mirrorlist = value
		case "metalink":
			repo.Metalink = value
		case "enabled":
			repo.Enabled, err = parseBool(value)
		case "module_hotfixes":
			repo.ModuleHotfixes, err = parseBool(value)
		case "priority":
			repo.Priority, err = parseInt32(value)
		case "cost":
			repo.Cost, err = parseInt32(value)
		case "excludepkgs", "exclude":
			repo.Exclude = appendList(repo.Exclude, value)
		case "includepkgs":
			repo.Include = appendList(repo.Include, value)
		default:
			_, err = repo.HTTP.Set(kv.key, value)
		}
		if err != nil {
			return repo, fmt.Errorf("%s:%d: %s: %w", file, kv.line, kv.key, err)
		}
	}
	if !named {
		repo.Name = repo.ID
	}
	return repo, nil
}

// checkRepoID applies libdnf's Repo::verifyId: ASCII letters, digits and
// "-_.:".
func checkRepoID(id string) error {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isVarNameByte(c) && c != '-' && c != '.' && c != ':' {
			return fmt.Errorf("bad repository id %q: byte %d (%q) is not a letter, a digit, '-', '_', '.' or ':'", id, i, c)
		}
	}
	return nil
}

// splitList splits a list option as libdnf's OptionStringList does: on
// spaces, commas and newlines (not tabs), dropping empty items.
func splitList(value string) []string {
	return strings.FieldsFunc(value, func(c rune) bool { return c == ' ' || c == ',' || c == '\n' })
}

// appendList adds the items of an excludepkgs/includepkgs value, as libdnf's
// optionTListAppend does: an empty value clears what came before.
func appendList(list []string, value string) []string {
	if value == "" {
		return nil
	}
	return append(list, splitList(value)...)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean value %q", s)
}

func parseInt32(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid number %q", s)
	}
	return int(n), nil
}

// LoadRepoDir reads every *.repo file of dir (hidden files and directories
// excepted, as dnf's glob does), in dnf's order: by file name without the
// .repo suffix. A repository id defined twice is returned twice (DedupeIDs
// keeps the first, as dnf does). A file that does not parse is an error
// (dnf warns and skips it). A missing dir is no error and gives no
// repositories, as in dnf.
func LoadRepoDir(dir string, vars Vars) ([]RepoConfig, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".repo") {
			continue
		}
		path := filepath.Join(dir, n)
		if info, err := os.Stat(path); err != nil {
			return nil, err
		} else if info.IsDir() {
			continue
		}
		files = append(files, path)
	}
	sort.SliceStable(files, func(i, j int) bool {
		return strings.TrimSuffix(files[i], ".repo") < strings.TrimSuffix(files[j], ".repo")
	})

	var repos []RepoConfig
	for _, path := range files {
		fileRepos, err := loadRepoFile(path, vars)
		if err != nil {
			return nil, err
		}
		repos = append(repos, fileRepos...)
	}
	return repos, nil
}

func loadRepoFile(path string, vars Vars) ([]RepoConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseRepoFile(f, path, vars)
}

// ParseRepoFromPath splits dnf's --repofrompath argument "ID,LOCATION".
// Like dnf, it wants exactly one comma and both parts non-empty, and turns a
// LOCATION without "://" into a file:// URL of its absolute path. The caller
// substitutes variables in location (Vars.Substitute), as dnf does.
func ParseRepoFromPath(arg string) (id, location string, err error) {
	id, location, ok := strings.Cut(arg, ",")
	if !ok || id == "" || location == "" || strings.Contains(location, ",") {
		return "", "", fmt.Errorf("--repofrompath %q: want ID,LOCATION", arg)
	}
	if err := checkRepoID(id); err != nil {
		return "", "", fmt.Errorf("--repofrompath %q: %w", arg, err)
	}
	if !strings.Contains(location, "://") {
		abs, err := filepath.Abs(location)
		if err != nil {
			return "", "", fmt.Errorf("--repofrompath %q: %w", arg, err)
		}
		location = "file://" + abs
	}
	return id, location, nil
}

// BaseArch maps an architecture to dnf's base architecture, the value of
// $basearch (i686 -> i386, amd64 -> x86_64, armv7hl -> armhfp...). An
// architecture dnf does not know is returned as it is.
func BaseArch(arch string) string {
	switch arch {
	case "aarch64":
		return "aarch64"
	case "alpha", "alphaev4", "alphaev45", "alphaev5", "alphaev56", "alphaev6", "alphaev67", "alphaev68", "alphaev7", "alphapca56":
		return "alpha"
	case "armv5tejl", "armv5tel", "armv5tl", "armv6l", "armv7l", "armv8l":
		return "arm"
	case "armv6hl", "armv7hl", "armv7hnl", "armv8hl":
		return "armhfp"
	case "i386", "athlon", "geode", "i486", "i586", "i686":
		return "i386"
	case "ppc64", "ppc64iseries", "ppc64p7", "ppc64pseries":
		return "ppc64"
	case "sh4", "sh4a":
		return "sh4"
	case "sparc", "sparc64", "sparc64v", "sparcv8", "sparcv9", "sparcv9v":
		return "sparc"
	case "x86_64", "amd64", "ia32e":
		return "x86_64"
	}
	// ia64, mips*, loongarch64, noarch, ppc, ppc64le, riscv*, s390, s390x,
	// sh3 are their own base architecture.
	return arch
}
