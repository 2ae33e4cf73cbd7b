package repomd

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// Header tags that go-rpmutils does not name.
const (
	tagSourcePackage     = 1106
	tagOldSuggestsName   = 1156
	tagOldSuggestsVer    = 1157
	tagOldSuggestsFlags  = 1158
	tagOldEnhancesName   = 1159
	tagOldEnhancesVer    = 1160
	tagOldEnhancesFlags  = 1161
	tagRecommendName     = 5046
	tagRecommendVersion  = 5047
	tagRecommendFlags    = 5048
	tagSuggestName       = 5049
	tagSuggestVersion    = 5050
	tagSuggestFlags      = 5051
	tagSupplementName    = 5052
	tagSupplementVersion = 5053
	tagSupplementFlags   = 5054
	tagEnhanceName       = 5055
	tagEnhanceVersion    = 5056
	tagEnhanceFlags      = 5057
)

// RPMFILE_GHOST and the file type bits of a mode.
const (
	fileGhost = 1 << 6
	modeType  = 0o170000
	modeDir   = 0o040000
)

// Where the lead and the header intros sit, for checking sizes before
// go-rpmutils allocates what a header claims.
const (
	rpmLeadSize      = 96
	headerIntroSize  = 16
	headerEntrySize  = 16
	maxRPMHeaderSize = 256 << 20 // rpm itself refuses headers over 256 MiB
)

// ReadRPM reads one .rpm file's header and returns its record, filtered
// exactly as createrepo_c filters what it writes to primary.xml and
// filelists.xml, so that a folder of .rpm files and the repository
// createrepo_c makes from it load into the same records. href is the
// Location to record (the path relative to the repository root). PkgID is
// the sha256 of the whole file, createrepo_c's default checksum.
func ReadRPM(path, href string, strs *Strings) (pkg Package, err error) {
	// go-rpmutils indexes header data without bounds checks: a corrupt
	// file must be an error, not a crash.
	defer func() {
		if r := recover(); r != nil {
			pkg, err = Package{}, fmt.Errorf("%s: malformed rpm header: %v", path, r)
		}
	}()
	f, err := os.Open(path)
	if err != nil {
		return Package{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Package{}, err
	}
	sum := sha256.New()
	hdr, err := readRPMHeader(io.TeeReader(f, sum), f, st.Size())
	if err != nil {
		return Package{}, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := io.Copy(sum, f); err != nil {
		return Package{}, fmt.Errorf("%s: %w", path, err)
	}
	pkg, err = packageFromHeader(hdr, strs)
	if err != nil {
		return Package{}, fmt.Errorf("%s: %w", path, err)
	}
	pkg.PkgID = hex.EncodeToString(sum.Sum(nil))
	pkg.Location = href
	return pkg, nil
}

// readRPMHeader checks the lead and both header sizes against the file size
// (so that a corrupt count cannot make go-rpmutils allocate gigabytes), then
// parses the headers from r, which is left at the start of the payload.
func readRPMHeader(r io.Reader, at io.ReaderAt, size int64) (*rpmutils.RpmHeader, error) {
	sigEnd, err := headerEnd(at, rpmLeadSize, size, true)
	if err != nil {
		return nil, fmt.Errorf("signature header: %w", err)
	}
	genEnd, err := headerEnd(at, sigEnd, size, false)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	buf := make([]byte, genEnd)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	hdr, err := rpmutils.ReadHeader(bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("reading header: %w", err)
	}
	return hdr, nil
}

// headerEnd returns the offset just past the header structure that starts
// at off: its intro, index entries and data (padded to 8 bytes for the
// signature header).
func headerEnd(at io.ReaderAt, off, size int64, padded bool) (int64, error) {
	var intro [headerIntroSize]byte
	if _, err := at.ReadAt(intro[:], off); err != nil {
		return 0, fmt.Errorf("at byte %d: truncated (%w)", off, err)
	}
	if intro[0] != 0x8e || intro[1] != 0xad || intro[2] != 0xe8 {
		return 0, fmt.Errorf("at byte %d: bad header magic % x", off, intro[:3])
	}
	entries := int64(binary.BigEndian.Uint32(intro[8:]))
	data := int64(binary.BigEndian.Uint32(intro[12:]))
	if padded {
		data = (data + 7) &^ 7
	}
	n := headerIntroSize + entries*headerEntrySize + data
	if n > maxRPMHeaderSize || off+n > size {
		return 0, fmt.Errorf("at byte %d: %d entries and %d data bytes overrun the %d-byte file", off, entries, data, size)
	}
	return off + n, nil
}

// rpmHeader reads tags the way librpm's headerGet does for createrepo_c:
// a missing tag, or one of another type, reads as absent.
type rpmHeader struct{ h *rpmutils.RpmHeader }

func (h rpmHeader) has(tag int) bool { return h.h.HasTag(tag) }

func (h rpmHeader) strings(tag int) ([]string, bool) {
	if !h.h.HasTag(tag) {
		return nil, false
	}
	v, err := h.h.GetStrings(tag)
	return v, err == nil
}

// string is headerGetString: the first string of tag, or "".
func (h rpmHeader) string(tag int) string {
	if v, ok := h.strings(tag); ok && len(v) > 0 {
		return v[0]
	}
	return ""
}

func (h rpmHeader) numbers(tag int) ([]uint64, bool) {
	if !h.h.HasTag(tag) {
		return nil, false
	}
	v, err := h.h.GetUint64s(tag)
	return v, err == nil
}

// number is headerGetNumber: the first number of tag, or 0.
func (h rpmHeader) number(tag int) uint64 {
	if v, ok := h.numbers(tag); ok && len(v) > 0 {
		return v[0]
	}
	return 0
}

// headerFile is one entry of the header's file list.
type headerFile struct {
	path string
	kind FileKind
}

// files returns the header's files as createrepo_c lists them: directory
// plus basename, a directory when the mode says so, else a ghost when
// flagged %ghost. A file list in the pre-4.0 OLDFILENAMES form is split into
// directories and basenames first, as librpm does on reading.
func (h rpmHeader) files() ([]headerFile, error) {
	dirs, _ := h.strings(rpmutils.DIRNAMES)
	bases, okBases := h.strings(rpmutils.BASENAMES)
	index, okIndex := h.numbers(rpmutils.DIRINDEXES)
	if !okBases && !h.has(rpmutils.DIRNAMES) {
		if old, ok := h.strings(rpmutils.OLDFILENAMES); ok {
			dirs, bases, index = compressFileList(old)
			okBases, okIndex = true, true
		}
	}
	flags, okFlags := h.numbers(rpmutils.FILEFLAGS)
	modes, okModes := h.numbers(rpmutils.FILEMODES)
	if !okBases || !okIndex || !okFlags || !okModes {
		return nil, nil // createrepo_c lists no files unless all five tags are there
	}
	n := min(len(bases), len(index), len(flags), len(modes))
	files := make([]headerFile, n)
	for i := range files {
		dir := ""
		if len(dirs) > 0 {
			if index[i] >= uint64(len(dirs)) {
				return nil, fmt.Errorf("file %q: directory index %d out of range (%d directories)", bases[i], index[i], len(dirs))
			}
			dir = dirs[index[i]]
		}
		kind := FilePlain
		if modes[i]&modeType == modeDir {
			kind = FileDir
		} else if flags[i]&fileGhost != 0 {
			kind = FileGhost
		}
		files[i] = headerFile{dir + bases[i], kind}
	}
	return files, nil
}

// compressFileList splits full paths into rpm's directory, basename and
// index arrays; a path without a slash gets the empty directory.
func compressFileList(paths []string) (dirs, bases []string, index []uint64) {
	dirIndex := map[string]uint64{}
	for _, p := range paths {
		i := strings.LastIndexByte(p, '/') + 1
		dir := p[:i]
		d, ok := dirIndex[dir]
		if !ok {
			d = uint64(len(dirs))
			dirIndex[dir] = d
			dirs = append(dirs, dir)
		}
		bases = append(bases, p[i:])
		index = append(index, d)
	}
	return dirs, bases, index
}

// isSource tells a source package as librpm does: RPMTAG_SOURCEPACKAGE,
// or for a header with neither it nor RPMTAG_SOURCERPM, a file list in one
// directory with an empty name. noSourceRPM reports a binary package
// without RPMTAG_SOURCERPM, to which librpm gives "(none)".
func (h rpmHeader) isSource() (source, noSourceRPM bool) {
	if h.has(tagSourcePackage) {
		return h.number(tagSourcePackage) != 0, false
	}
	if h.has(rpmutils.SOURCERPM) {
		return false, false
	}
	dirs, ok := h.strings(rpmutils.DIRNAMES)
	if !ok && h.has(rpmutils.OLDFILENAMES) {
		old, _ := h.strings(rpmutils.OLDFILENAMES)
		dirs, _, _ = compressFileList(old)
		ok = true
	}
	if ok && len(dirs) == 1 && dirs[0] == "" {
		return true, false
	}
	return false, true
}

// packageFromHeader mirrors createrepo_c's cr_package_from_header (parsehdr.c)
// and what cr_xml_dump_primary/filelists then write.
func packageFromHeader(rh *rpmutils.RpmHeader, strs *Strings) (Package, error) {
	h := rpmHeader{rh}
	files, err := h.files()
	if err != nil {
		return Package{}, err
	}
	source, noSourceRPM := h.isSource()

	var pkg Package
	pkg.Name = internXML(strs, h.string(rpmutils.NAME))
	arch := h.string(rpmutils.ARCH)
	if source {
		arch = "src" // createrepo_c writes "src" for .nosrc.rpm too
	}
	pkg.Arch = internXML(strs, arch)
	epoch := strconv.FormatUint(h.number(rpmutils.EPOCH), 10)
	release := xmlText(h.string(rpmutils.RELEASE))
	evr := FormatEVR(epoch, xmlText(h.string(rpmutils.VERSION)), release)
	if release == "" {
		// createrepo_c always writes <version rel="">, and a rel attribute,
		// even empty, adds the dash (libsolv, ParsePrimary).
		evr += "-"
	}
	pkg.EVR = strs.InternString(evr)
	sourceRPM := h.string(rpmutils.SOURCERPM)
	if noSourceRPM {
		sourceRPM = "(none)"
	}
	pkg.SourceRPM = internXML(strs, sourceRPM)

	own := make(map[string]bool, len(files))
	for _, f := range files {
		own[f.path] = true
	}
	deps := collectDeps(h, own)
	var lists [NumDepKinds][]Dep
	for kind := range deps {
		lists[kind] = makeDeps(deps[kind], DepKind(kind) == Requires, strs)
	}
	pkg.deps = pkg.joinDeps(nil, &lists)
	pkg.Files = makeFiles(files, strs)
	return pkg, nil
}

// makeFiles orders files as Package.Files does after primary.xml and
// filelists.xml: primary files first, then the rest, each path once.
func makeFiles(files []headerFile, strs *Strings) []File {
	if len(files) == 0 {
		return nil
	}
	out := make([]File, 0, len(files))
	seen := make(map[string]bool, len(files))
	for _, primary := range []bool{true, false} {
		for _, f := range files {
			if isPrimaryFile(f.path) != primary || seen[f.path] {
				continue
			}
			seen[f.path] = true
			out = append(out, File{Path: internXML(strs, f.path), Kind: f.kind})
		}
	}
	return out
}

// isPrimaryFile is createrepo_c's cr_is_primary: the files primary.xml lists.
func isPrimaryFile(path string) bool {
	return strings.HasPrefix(path, "/etc/") || path == "/usr/lib/sendmail" || strings.Contains(path, "bin/")
}

// xmlText is what createrepo_c's cr_xmlNewProp and cr_xmlNewTextChild do
// to a string that is not UTF-8: read it as ISO-8859-1.
func xmlText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

func internXML(strs *Strings, s string) ID { return strs.InternString(xmlText(s)) }
