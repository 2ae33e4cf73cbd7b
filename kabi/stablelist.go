package kabi

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
)

// ParseStablelist reads a kABI stable list: Red Hat's kabi_stablelist_<arch>
// ("[rhel8_x86_64_whitelist]" sections of indented symbol names) or the
// kernel sources' Module.kabi_<arch> ("0xCRC<TAB>symbol<TAB>vmlinux<TAB>EXPORT_SYMBOL").
// It returns symbol -> CRC ("" when the format carries none).
func ParseStablelist(r io.Reader, name string) (map[string]string, error) {
	syms, _, err := parseStablelist(r, name)
	return syms, err
}

// parseStablelist is ParseStablelist, also returning the Enterprise Linux
// release its section names give ("" for none, or a Module.kabi_<arch>).
func parseStablelist(r io.Reader, name string) (syms map[string]string, release string, err error) {
	out := make(map[string]string)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "[") {
			release = cmp.Or(release, ELRelease(text))
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		switch {
		case strings.HasPrefix(fields[0], "0x") && len(fields) >= 2:
			out[fields[1]] = fields[0]
		case len(fields) == 1:
			out[fields[0]] = ""
		default:
			return nil, "", fmt.Errorf("%s:%d: not a stable-list line: %q", name, line, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("%s: no symbols", name)
	}
	return out, release, nil
}

// Stablelist is a loaded kABI stable list.
type Stablelist struct {
	Symbols map[string]string // symbol -> CRC ("" when the format carries none)
	// Release is the Enterprise Linux major release the list is for ("8",
	// "9"): its section names' ("[rhel9_x86_64_stablelist]"), else its
	// path's ("el-9.2/Module.kabi_x86_64", "...-348.el8.noarch.rpm"); ""
	// when neither says.
	Release string
}

// elRelease matches an Enterprise Linux release in a name: "el8" of
// "4.18.0-348.el8" or "el8_8", "el-9" of "el-9.2", "rhel9" of
// "[rhel9_x86_64_stablelist]". It must stand apart from other letters and
// digits, so "kernel9" or "model8x" are none.
var elRelease = regexp.MustCompile(`(?i)(?:^|[^a-z0-9])(?:rh)?el-?([0-9]{1,2})(?:[^a-z0-9]|$)`)

// ELRelease returns the Enterprise Linux major release that s names, the
// last one when it names several (in a path, the file's own name wins over
// its folders): "8" for "4.18.0-348.el8" or "data/el-8.8/Module.kabi_x86_64",
// "" for none.
func ELRelease(s string) string {
	m := elRelease.FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		return ""
	}
	return m[len(m)-1][1]
}

// LoadStablelist reads a kabi_stablelist_<arch>, a Module.kabi_<arch> or the
// kernel-abi-stablelists .rpm (its kabi_stablelist_* payload files).
func LoadStablelist(file string) (*Stablelist, error) {
	if strings.HasSuffix(file, ".rpm") {
		files, err := repomd.ReadPayloadFiles(file, func(name string) bool {
			return strings.Contains(path.Base(name), "kabi_stablelist_") || strings.Contains(path.Base(name), "kabi_whitelist_")
		})
		if err != nil {
			return nil, fmt.Errorf("stable list %s: %w", file, err)
		}
		all := &Stablelist{Symbols: map[string]string{}}
		for name, data := range files {
			syms, release, err := parseStablelist(bytes.NewReader(data), file+":"+name)
			if err != nil {
				return nil, err
			}
			maps.Copy(all.Symbols, syms)
			all.Release = cmp.Or(all.Release, release)
		}
		if len(all.Symbols) == 0 {
			return nil, fmt.Errorf("%s: no kabi_stablelist_* file in the payload", file)
		}
		all.Release = cmp.Or(all.Release, ELRelease(file))
		return all, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("stable list: %w", err)
	}
	defer f.Close()
	syms, release, err := parseStablelist(f, file)
	if err != nil {
		return nil, err
	}
	return &Stablelist{Symbols: syms, Release: cmp.Or(release, ELRelease(file))}, nil
}
