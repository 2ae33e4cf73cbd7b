package kabi

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
)

// ParseStablelist reads a kABI stable list: Red Hat's kabi_stablelist_<arch>
// ("[rhel8_x86_64_whitelist]" sections of indented symbol names) or the
// kernel sources' Module.kabi_<arch> ("0xCRC<TAB>symbol<TAB>vmlinux<TAB>EXPORT_SYMBOL").
// It returns symbol -> CRC ("" when the format carries none).
func ParseStablelist(r io.Reader, name string) (map[string]string, error) {
	out := make(map[string]string)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") || strings.HasPrefix(text, "[") {
			continue
		}
		fields := strings.Fields(text)
		switch {
		case strings.HasPrefix(fields[0], "0x") && len(fields) >= 2:
			out[fields[1]] = fields[0]
		case len(fields) == 1:
			out[fields[0]] = ""
		default:
			return nil, fmt.Errorf("%s:%d: not a stable-list line: %q", name, line, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no symbols", name)
	}
	return out, nil
}

// LoadStablelist reads a kabi_stablelist_<arch>, a Module.kabi_<arch> or the
// kernel-abi-stablelists .rpm (its kabi_stablelist_* payload files).
func LoadStablelist(file string) (map[string]string, error) {
	if strings.HasSuffix(file, ".rpm") {
		files, err := repomd.ReadPayloadFiles(file, func(name string) bool {
			return strings.Contains(path.Base(name), "kabi_stablelist_") || strings.Contains(path.Base(name), "kabi_whitelist_")
		})
		if err != nil {
			return nil, fmt.Errorf("stable list %s: %w", file, err)
		}
		all := map[string]string{}
		for name, data := range files {
			syms, err := ParseStablelist(bytes.NewReader(data), file+":"+name)
			if err != nil {
				return nil, err
			}
			maps.Copy(all, syms)
		}
		if len(all) == 0 {
			return nil, fmt.Errorf("%s: no kabi_stablelist_* file in the payload", file)
		}
		return all, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("stable list: %w", err)
	}
	defer f.Close()
	return ParseStablelist(f, file)
}
