package repomd

import (
	"fmt"
	"io"
	"os"
	"strings"

	rpmutils "github.com/sassoftware/go-rpmutils"
	"github.com/sassoftware/go-rpmutils/cpio"
)

// ReadPayloadFiles returns the contents of the regular files in the .rpm's
// payload whose path (as rpm lists it, e.g.
// /lib/modules/kabi-rhel89/kabi_stablelist_x86_64 in kernel-abi-stablelists)
// matches. The payload is decompressed by Decompress (gzip, xz, zstd,
// bzip2, or none), up to the uncompressed size the header records; a
// hard-linked file has its contents under every name; a file the payload
// does not carry (a %ghost) is absent from the map.
func ReadPayloadFiles(path string, match func(name string) bool) (files map[string][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			files, err = nil, fmt.Errorf("%s: malformed rpm: %v", path, r)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	hdr, err := readRPMHeader(f, f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	files, err = readPayload(f, hdr, path, match)
	if err != nil {
		return nil, fmt.Errorf("%s: payload: %w", path, err)
	}
	return files, nil
}

// linkKey names a hard-link group: files of one package with the same
// device and inode numbers in its header.
type linkKey struct{ dev, ino int }

// readPayload reads the payload after the headers in r and returns the
// contents of the regular files whose name matches.
func readPayload(r io.Reader, hdr *rpmutils.RpmHeader, name string, match func(string) bool) (map[string][]byte, error) {
	h := rpmHeader{hdr}
	if format := h.string(rpmutils.PAYLOADFORMAT); format != "" && format != "cpio" {
		return nil, fmt.Errorf("payload format %q is not cpio", format)
	}
	if comp := h.string(rpmutils.PAYLOADCOMPRESSOR); comp == "lzma" {
		return nil, fmt.Errorf("payload compressor %q is not supported", comp)
	}
	infos, err := hdr.GetFiles()
	if err != nil {
		return nil, err
	}
	files := newPayloadFiles(infos, match)

	// The signature header records the payload's uncompressed size: a
	// stream that decompresses to more is corrupt, or a bomb.
	limit := DefaultDecompressLimit
	if n, err := hdr.PayloadSize(); err == nil && n > 0 {
		limit = n
	}
	dec, err := Decompress(r, name, limit)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	return files.extract(cpio.NewReaderWithSizes(dec, files.sizes))
}

// payloadFiles is what the header says about the payload's files, and which
// of them to extract.
type payloadFiles struct {
	infos  []rpmutils.FileInfo
	byName map[string]int
	// sizes are the file sizes as the payload stores them, needed to read
	// the stripped cpio that rpm writes for packages with files over 4 GiB:
	// a hard-link group stores its data once, with its last member.
	sizes   []int64
	links   map[linkKey]int  // members of each hard-link group
	matched []bool           // regular files whose name matches
	wanted  map[linkKey]bool // the link groups of matched files
}

func newPayloadFiles(infos []rpmutils.FileInfo, match func(string) bool) *payloadFiles {
	p := &payloadFiles{
		infos:   infos,
		byName:  make(map[string]int, len(infos)),
		sizes:   make([]int64, len(infos)),
		links:   map[linkKey]int{},
		matched: make([]bool, len(infos)),
		wanted:  map[linkKey]bool{},
	}
	last := map[linkKey]int{}
	for i, fi := range infos {
		p.byName[fi.Name()] = i
		switch fi.Mode() & modeType {
		case cpio.S_ISREG:
			k := linkKey{fi.Device(), fi.Inode()}
			if j, ok := last[k]; ok && k.ino != 0 {
				p.sizes[j] = 0
			}
			last[k] = i
			p.links[k]++
			p.sizes[i] = fi.Size()
			// A matched file's data may sit with another member of its
			// link group.
			if match(fi.Name()) {
				p.matched[i] = true
				p.wanted[k] = true
			}
		case cpio.S_ISLNK:
			p.sizes[i] = int64(len(fi.Linkname()))
		}
	}
	return p
}

// extract reads the cpio archive and returns the matched files' contents.
func (p *payloadFiles) extract(cr *cpio.Reader) (map[string][]byte, error) {
	out := map[string][]byte{}
	linkData := map[linkKey][]byte{}
	for {
		entry, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		i, err := p.index(entry)
		if err != nil {
			return nil, err
		}
		fi := p.infos[i]
		k := linkKey{fi.Device(), fi.Inode()}
		if !p.matched[i] && !(p.wanted[k] && p.links[k] > 1) {
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return nil, err
			}
			continue
		}
		data, err := io.ReadAll(cr)
		if err != nil {
			return nil, err
		}
		if p.matched[i] {
			out[fi.Name()] = data
		}
		if len(data) > 0 {
			linkData[k] = data
		}
	}
	// Hard links whose data came with another member of their group.
	for i, fi := range p.infos {
		if k := (linkKey{fi.Device(), fi.Inode()}); p.matched[i] && p.links[k] > 1 && len(out[fi.Name()]) == 0 {
			if data, ok := linkData[k]; ok {
				out[fi.Name()] = data
			}
		}
	}
	return out, nil
}

// index returns the header's index of the file a cpio entry holds: given by
// a stripped entry, found by name otherwise.
func (p *payloadFiles) index(entry *cpio.Cpio_newc_header) (int, error) {
	i := entry.Index()
	if !entry.IsStripped() {
		var ok bool
		if i, ok = p.byName[strings.TrimPrefix(entry.Filename(), ".")]; !ok {
			return 0, fmt.Errorf("file %q is not in the header", entry.Filename())
		}
	}
	if i < 0 || i >= len(p.infos) {
		return 0, fmt.Errorf("file index %d out of range (%d files)", i, len(p.infos))
	}
	return i, nil
}
