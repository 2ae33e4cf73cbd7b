package repomd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/repoclosure/repoclosure/internal/rpmver"

	rpmutils "github.com/sassoftware/go-rpmutils"
	"github.com/sassoftware/go-rpmutils/cpio"
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

// RPMSENSE_* dependency flags and RPMFILE_GHOST.
const (
	senseLess       = 1 << 1
	senseGreater    = 1 << 2
	senseEqual      = 1 << 3
	sensePrereq     = 1 << 6
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	senseMissingOK  = 1 << 19 // legacy weak deps (rpm < 4.12): a Recommends among the requires
	senseStrong     = 1 << 27 // legacy weak deps: OLDSUGGESTS -> Recommends, OLDENHANCES -> Supplements

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

// depSource is one group of dependency tags, in the order createrepo_c's
// parsehdr.c reads them: that order decides which entries a later one
// filters out and how the legacy weak deps interleave with the new ones.
type depSource struct {
	name, flags, version int
	kind                 depSourceKind
}

type depSourceKind uint8

const (
	srcProvides depSourceKind = iota
	srcConflicts
	srcObsoletes
	srcRequires
	srcSuggests
	srcEnhances
	srcRecommends
	srcSupplements
	srcOldSuggests
	srcOldEnhances
)

func depSources() [10]depSource {
	return [10]depSource{
		{rpmutils.PROVIDENAME, rpmutils.PROVIDEFLAGS, rpmutils.PROVIDEVERSION, srcProvides},
		{rpmutils.CONFLICTNAME, rpmutils.CONFLICTFLAGS, rpmutils.CONFLICTVERSION, srcConflicts},
		{rpmutils.OBSOLETENAME, rpmutils.OBSOLETEFLAGS, rpmutils.OBSOLETEVERSION, srcObsoletes},
		{rpmutils.REQUIRENAME, rpmutils.REQUIREFLAGS, rpmutils.REQUIREVERSION, srcRequires},
		{tagSuggestName, tagSuggestFlags, tagSuggestVersion, srcSuggests},
		{tagEnhanceName, tagEnhanceFlags, tagEnhanceVersion, srcEnhances},
		{tagRecommendName, tagRecommendFlags, tagRecommendVersion, srcRecommends},
		{tagSupplementName, tagSupplementFlags, tagSupplementVersion, srcSupplements},
		{tagOldSuggestsName, tagOldSuggestsFlags, tagOldSuggestsVer, srcOldSuggests},
		{tagOldEnhancesName, tagOldEnhancesFlags, tagOldEnhancesVer, srcOldEnhances},
	}
}

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

// rawDep is one dependency as parsehdr.c keeps it before XML is written.
type rawDep struct {
	name, flags, version string
	pre                  bool
}

// requireSeen is what parsehdr.c remembers of the last require of a name,
// to drop an immediate repeat.
type requireSeen struct {
	flags, version string
	pre            bool
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
	for kind := range deps {
		pkg.Deps[kind] = makeDeps(deps[kind], DepKind(kind) == Requires, strs)
	}
	pkg.Files = makeFiles(files, strs)
	return pkg, nil
}

// collectDeps runs parsehdr.c's dependency loop: requires lose rpmlib(...)
// entries, the package's own primary files, exact copies (name, flags,
// version) of its provides and repeats of the previous require of the same
// name; of the libc.so.6 requires only the highest is kept, and it goes
// last; legacy MISSINGOK requires and OLDSUGGESTS/OLDENHANCES become weak
// deps; entries whose version has a non-numeric epoch are dropped.
func collectDeps(h rpmHeader, ownFiles map[string]bool) [NumDepKinds][]rawDep {
	var deps [NumDepKinds][]rawDep
	provided := map[string]bool{}
	seen := map[string]requireSeen{}
	for _, src := range depSources() {
		names, ok1 := h.strings(src.name)
		flagList, ok2 := h.numbers(src.flags)
		versions, ok3 := h.strings(src.version)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		var libc *rawDep
		for i := range min(len(names), len(flagList), len(versions)) {
			name, flags, version := names[i], flagList[i], versions[i]
			flagStr := flagString(flags)
			nfv := name + flagStr + version
			pre := false
			if src.kind == srcRequires {
				if strings.HasPrefix(name, "rpmlib(") ||
					strings.HasPrefix(name, "/") && ownFiles[name] && isPrimaryFile(name) ||
					provided[nfv] {
					continue
				}
				pre = flags&(sensePrereq|senseScriptPre|senseScriptPost) != 0
				if last, ok := seen[name]; ok && last == (requireSeen{flagStr, version, pre}) {
					continue
				}
			}
			if _, _, _, ok := splitDepEVR(version); !ok {
				continue // createrepo_c warns "Bad epoch" and skips it
			}
			d := rawDep{name: name, flags: flagStr, version: version}
			switch src.kind {
			case srcProvides:
				provided[nfv] = true
				deps[Provides] = append(deps[Provides], d)
			case srcConflicts:
				deps[Conflicts] = append(deps[Conflicts], d)
			case srcObsoletes:
				deps[Obsoletes] = append(deps[Obsoletes], d)
			case srcRequires:
				if flags&senseMissingOK != 0 {
					deps[Recommends] = append(deps[Recommends], d)
					break
				}
				d.pre = pre
				if strings.HasPrefix(name, "libc.so.6") {
					if libc == nil || compareLibcDep(libc.name, name) == 2 {
						libc = &d
					}
					break
				}
				deps[Requires] = append(deps[Requires], d)
				seen[name] = requireSeen{flagStr, version, pre}
			case srcSuggests:
				deps[Suggests] = append(deps[Suggests], d)
			case srcEnhances:
				deps[Enhances] = append(deps[Enhances], d)
			case srcRecommends:
				deps[Recommends] = append(deps[Recommends], d)
			case srcSupplements:
				deps[Supplements] = append(deps[Supplements], d)
			case srcOldSuggests:
				if flags&senseStrong != 0 {
					deps[Recommends] = append(deps[Recommends], d)
				} else {
					deps[Suggests] = append(deps[Suggests], d)
				}
			case srcOldEnhances:
				if flags&senseStrong != 0 {
					deps[Supplements] = append(deps[Supplements], d)
				} else {
					deps[Enhances] = append(deps[Enhances], d)
				}
			}
		}
		if libc != nil {
			deps[Requires] = append(deps[Requires], *libc)
		}
	}
	return deps
}

// makeDeps interns deps as primary.xml carries them: entries without a name
// are not written, and a version only with a comparison.
func makeDeps(raw []rawDep, requires bool, strs *Strings) []Dep {
	if len(raw) == 0 {
		return nil
	}
	out := make([]Dep, 0, len(raw))
	for _, r := range raw {
		if r.name == "" {
			continue
		}
		var evr ID
		op, _ := ParseFlags(r.flags)
		if op != OpNone {
			epoch, version, release, _ := splitDepEVR(r.version)
			evr = strs.InternString(FormatEVR(xmlText(epoch), xmlText(version), xmlText(release)))
		}
		out = append(out, NewDep(internXML(strs, r.name), evr, op, requires && r.pre))
	}
	return out
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

// flagString is createrepo_c's cr_flag_to_str: the comparison of the
// LESS/GREATER/EQUAL bits, "" for none or a combination it cannot name.
func flagString(flags uint64) string {
	switch flags & 0xf {
	case senseLess:
		return "LT"
	case senseGreater:
		return "GT"
	case senseEqual:
		return "EQ"
	case senseLess | senseEqual:
		return "LE"
	case senseGreater | senseEqual:
		return "GE"
	}
	return ""
}

// isPrimaryFile is createrepo_c's cr_is_primary: the files primary.xml lists.
func isPrimaryFile(path string) bool {
	return strings.HasPrefix(path, "/etc/") || path == "/usr/lib/sendmail" || strings.Contains(path, "bin/")
}

// splitDepEVR is createrepo_c's cr_str_to_evr: the epoch before the first
// colon ("0" when absent), the version up to the first dash after it, the
// rest as release. ok is false for an epoch that C's strtol does not read
// whole, which createrepo_c skips as a bad epoch.
func splitDepEVR(s string) (epoch, version, release string, ok bool) {
	if s == "" {
		return "", "", "", true
	}
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		if !strtolReadsAll(s[:i]) {
			return "", "", "", false
		}
		epoch, rest = s[:i], s[i+1:]
	}
	if epoch == "" {
		epoch = "0"
	}
	if j := strings.IndexByte(rest, '-'); j >= 0 {
		return epoch, rest[:j], rest[j+1:], true
	}
	return epoch, rest, "", true
}

// strtolReadsAll reports whether C's strtol(s, &end, 10) leaves end at the
// end of s: s is empty, or blanks, an optional sign and at least one digit.
func strtolReadsAll(s string) bool {
	if s == "" {
		return true
	}
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// compareLibcDep is createrepo_c's cr_compare_dependency for two
// libc.so.6 requires: 0 same, 1 first higher, 2 second higher, -1 error.
// It compares, with rpmvercmp, the text from the first digit inside the
// first parentheses to the closing one: libc.so.6() <
// libc.so.6(GLIBC_2.3.4)(64bit) < libc.so.6(GLIBC_2.14)(64bit).
func compareLibcDep(dep1, dep2 string) int {
	open1, open2 := strings.IndexByte(dep1, '('), strings.IndexByte(dep2, '(')
	switch {
	case open1 < 0 && open2 < 0:
		return 0
	case open1 < 0:
		return 2
	case open2 < 0:
		return 1
	}
	close1, close2 := strings.IndexByte(dep1[open1:], ')'), strings.IndexByte(dep2[open2:], ')')
	switch {
	case close1 < 0 && close2 < 0:
		return -1
	case close1 < 0:
		return 2
	case close2 < 0:
		return 1
	}
	close1 += open1
	close2 += open2
	v1, v2 := open1+1, open2+1
	switch {
	case v1 == close1 && v2 == close2:
		return 0
	case v1 == close1:
		return 2
	case v2 == close2:
		return 1
	}
	for v1 < len(dep1) && !rpmver.IsDigit(dep1[v1]) {
		v1++
	}
	for v2 < len(dep2) && !rpmver.IsDigit(dep2[v2]) {
		v2++
	}
	switch {
	case v1 > close1 && v2 > close2:
		return 0
	case v1 > close1:
		return 2
	case v2 > close2:
		return 1
	}
	switch rpmver.Vercmp(dep1[v1:close1], dep2[v2:close2]) {
	case 1:
		return 1
	case -1:
		return 2
	}
	return 0
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

// ReadRPMDir reads every *.rpm below dir (recursively, in sorted order of
// their paths) as a repository with the given id, each package's Location
// being its slash-separated path relative to dir. Unlike createrepo_c,
// which warns and leaves out a package it cannot read, it fails naming
// every such file: a silently missing package would change the answer.
func ReadRPMDir(ctx context.Context, id, dir string, strs *Strings) (*Repo, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".rpm") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
				return nil // createrepo_c also passes over dangling links
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rels = append(rels, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	sort.Strings(rels)

	pkgs := make([]Package, len(rels))
	errs := make([]error, len(rels))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(rels)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				pkgs[i], errs[i] = ReadRPM(filepath.Join(dir, filepath.FromSlash(rels[i])), rels[i], strs)
			}
		}()
	}
	for i := range rels {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Repo{ID: id, Packages: pkgs, Strings: strs}, nil
}

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
	byName := make(map[string]int, len(infos))
	// sizes are the file sizes as the payload stores them, needed to read
	// the stripped cpio that rpm writes for packages with files over 4 GiB:
	// a hard-link group stores its data once, with its last member.
	sizes := make([]int64, len(infos))
	last := map[linkKey]int{}
	links := map[linkKey]int{}
	for i, fi := range infos {
		byName[fi.Name()] = i
		switch fi.Mode() & modeType {
		case cpio.S_ISREG:
			k := linkKey{fi.Device(), fi.Inode()}
			if j, ok := last[k]; ok && k.ino != 0 {
				sizes[j] = 0
			}
			last[k] = i
			links[k]++
			sizes[i] = fi.Size()
		case cpio.S_ISLNK:
			sizes[i] = int64(len(fi.Linkname()))
		}
	}
	// A matched file's data may sit with another member of its link group.
	wanted := map[linkKey]bool{}
	matched := make([]bool, len(infos))
	for i, fi := range infos {
		if fi.Mode()&modeType == cpio.S_ISREG && match(fi.Name()) {
			matched[i] = true
			wanted[linkKey{fi.Device(), fi.Inode()}] = true
		}
	}

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
	cr := cpio.NewReaderWithSizes(dec, sizes)
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
		i := entry.Index()
		if !entry.IsStripped() {
			var ok bool
			if i, ok = byName[strings.TrimPrefix(entry.Filename(), ".")]; !ok {
				return nil, fmt.Errorf("file %q is not in the header", entry.Filename())
			}
		}
		if i < 0 || i >= len(infos) {
			return nil, fmt.Errorf("file index %d out of range (%d files)", i, len(infos))
		}
		fi := infos[i]
		k := linkKey{fi.Device(), fi.Inode()}
		if !matched[i] && !(wanted[k] && links[k] > 1) {
			if _, err := io.Copy(io.Discard, cr); err != nil {
				return nil, err
			}
			continue
		}
		data, err := io.ReadAll(cr)
		if err != nil {
			return nil, err
		}
		if matched[i] {
			out[fi.Name()] = data
		}
		if len(data) > 0 {
			linkData[k] = data
		}
	}
	for i, fi := range infos {
		if k := (linkKey{fi.Device(), fi.Inode()}); matched[i] && links[k] > 1 && len(out[fi.Name()]) == 0 {
			if data, ok := linkData[k]; ok {
				out[fi.Name()] = data
			}
		}
	}
	return out, nil
}
