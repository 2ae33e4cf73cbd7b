package repomd

import (
	"io"
	"unsafe"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// arenaEntries is how many records one arena chunk holds. Package lists are
// carved out of shared chunks so that a repository costs a few large
// allocations rather than one per list.
const arenaEntries = 64 << 10

// arena hands out sub-slices of large shared chunks.
type arena[T any] struct {
	chunk []T
}

// copy returns a copy of src that lives in the arena. Its capacity equals its
// length, so appending to it cannot overwrite a neighbour.
func (a *arena[T]) copy(src []T) []T {
	n := len(src)
	if n == 0 {
		return nil
	}
	if n > arenaEntries/4 {
		// A list this long would waste much of a chunk's tail.
		return append(make([]T, 0, n), src...)
	}
	if cap(a.chunk)-len(a.chunk) < n {
		a.chunk = make([]T, 0, arenaEntries)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, src...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// arenaString returns b as a string whose bytes live in a. Arena chunks are
// never written again once handed out, so the string stays immutable.
func arenaString(a *arena[byte], b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&a.copy(b)[0], len(b))
}

// evrAttrs holds the epoch, ver and rel attributes of <version> or
// <rpm:entry>, with whether each was present.
type evrAttrs struct {
	vals [3][]byte // by evrEpoch, evrVer, evrRel
	has  uint      // bit k: vals[k] was given
}

// The attributes of evrAttrs.
const (
	evrEpoch = iota
	evrVer
	evrRel
)

// set records attribute a if it is one of epoch, ver and rel.
func (e *evrAttrs) set(a xmlAttr) {
	k := -1
	switch string(a.name) {
	case "epoch":
		k = evrEpoch
	case "ver":
		k = evrVer
	case "rel":
		k = evrRel
	}
	if k >= 0 {
		e.vals[k], e.has = a.value, e.has|1<<k
	}
}

// appendEVR appends "[E:]V[-R]" exactly as libsolv's makeevr_atts builds it
// from the attributes, so that versions print and compare as dnf's do: an
// epoch of "0" or "" is dropped, but a version that itself looks like
// "digits:..." then gets an explicit "0:" so that it is not read as an epoch;
// a present rel attribute always adds its dash. This is FormatEVR, except
// that FormatEVR cannot tell an empty rel from a missing one.
func appendEVR(dst []byte, e *evrAttrs) []byte {
	return appendEVRVals(dst, &e.vals, e.has)
}

// appendEVRVals is appendEVR on the values of evrAttrs, which an
// <rpm:entry> keeps among its others.
func appendEVRVals(dst []byte, v *[3][]byte, has uint) []byte {
	epoch, ver := v[evrEpoch], v[evrVer]
	hasEpoch := has&(1<<evrEpoch) != 0 && len(epoch) > 0 && string(epoch) != "0"
	if has&(1<<evrVer) != 0 && !hasEpoch {
		i := 0
		for i < len(ver) && rpmver.IsDigit(ver[i]) {
			i++
		}
		if i > 0 && i < len(ver) && ver[i] == ':' {
			epoch, hasEpoch = []byte("0"), true
		}
	}
	if hasEpoch {
		dst = append(dst, epoch...)
		dst = append(dst, ':')
	}
	dst = append(dst, ver...)
	if has&(1<<evrRel) != 0 {
		dst = append(dst, '-')
		dst = append(dst, v[evrRel]...)
	}
	return dst
}

// ParsePrimary reads primary.xml (decompressed) and returns its packages. name
// is for error messages: malformed input is a *ParseError giving the line,
// column and byte offset in r of the problem.
// Strings are interned into strs; the packages' slices share large arenas.
func ParsePrimary(r io.Reader, name string, strs *Strings) ([]Package, error) {
	p := &primaryParser{sc: newXMLScanner(r, name), strs: strs, dict: newDepInterner(strs), entryTag: newEntryTag(), maxPkgs: MaxPackages}
	return p.parse()
}

// primaryParser collects one package at a time into reusable scratch lists
// and copies them into arenas when the package ends.
type primaryParser struct {
	sc       *xmlScanner
	strs     *Strings
	dict     *depInterner // for dependency names and versions
	entryTag *simpleTag   // <rpm:entry> for the scanner's fast path
	maxPkgs  int          // MaxPackages, lowered by tests

	deps    [NumDepKinds][]Dep
	allDeps []Dep // deps joined
	files   []File
	buf     []byte // EVRs and kind-prefixed names being built

	depArena  arena[Dep]
	fileArena arena[File]
	textArena arena[byte]

	pkgs []Package
}

func (p *primaryParser) parse() ([]Package, error) {
	sc := p.sc
	rootSeen := false
	for {
		k, err := sc.nextTag()
		if err != nil {
			return nil, err
		}
		switch k {
		case tokEOF:
			return p.pkgs, nil
		case tokStart:
			if !rootSeen {
				rootSeen = true
				if string(sc.name) != "metadata" {
					return nil, sc.errorf(sc.offset, "root element is <%s>, want <metadata>", sc.name)
				}
				p.pkgs = make([]Package, 0, announcedPackages(sc.attrs))
				continue
			}
			// Packages and skipped elements are consumed whole, so every
			// start tag seen here is a child of the root.
			if string(sc.name) == "package" {
				err = p.parsePackage()
			} else {
				err = sc.skipElement()
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// maxAnnounced bounds the room made for <metadata packages="N">, so that a
// hostile count cannot make a big allocation: beyond it the slice grows.
const maxAnnounced = 1 << 17 // 37 MB of records; real repositories list up to ~80,000

// announcedPackages reads <metadata packages="N">: sized exactly, the package
// slice never regrows, which would be the largest garbage of a load (a
// doubling of 280-byte records).
func announcedPackages(attrs []xmlAttr) int {
	for _, a := range attrs {
		if string(a.name) != "packages" {
			continue
		}
		n := 0
		for _, c := range a.value {
			if !rpmver.IsDigit(c) {
				return 0
			}
			n = min(10*n+int(c-'0'), maxAnnounced)
		}
		return n
	}
	return 0
}

// parsePackage reads one <package> element, its start tag just scanned.
func (p *primaryParser) parsePackage() error {
	sc := p.sc
	start := sc.mark()
	if len(p.pkgs) >= p.maxPkgs {
		return sc.errorf(start, "more than %d packages: too many to load", p.maxPkgs)
	}
	for k := range p.deps {
		p.deps[k] = p.deps[k][:0]
	}
	p.files = p.files[:0]
	var pkg Package
	pkgIDIsYes := false
	err := sc.children(func() error { return p.parseChild(&pkg, &pkgIDIsYes) })
	if err != nil {
		return err
	}
	if pkg.Name == 0 {
		return sc.errorf(start, "package without name")
	}
	if pkg.Arch == 0 {
		pkg.Arch = p.strs.InternString("noarch") // libsolv's default
	}
	p.allDeps = pkg.joinDeps(p.allDeps[:0], &p.deps)
	pkg.deps = p.depArena.copy(p.allDeps)
	pkg.Files = p.fileArena.copy(p.files)
	p.pkgs = append(p.pkgs, pkg)
	return nil
}

// parseChild reads the element of a <package> whose start tag was just
// scanned into pkg. pkgIDIsYes says whether pkg.PkgID came from a
// <checksum pkgid="YES">, which wins over the others.
func (p *primaryParser) parseChild(pkg *Package, pkgIDIsYes *bool) (err error) {
	sc := p.sc
	// <format> is transparent, as in libsolv: its children are handled
	// like the package's own.
	switch string(sc.name) {
	case "format":
		// Read on into its children.
	case "name":
		err = p.internText(&pkg.Name)
	case "arch":
		err = p.internText(&pkg.Arch)
	case "version":
		var e evrAttrs
		for _, a := range sc.attrs {
			e.set(a)
		}
		p.buf = appendEVR(p.buf[:0], &e)
		pkg.EVR = p.dict.lookup(p.buf)
		err = sc.skipElement()
	case "checksum":
		isYes := false
		for _, a := range sc.attrs {
			if string(a.name) == "pkgid" && string(a.value) == "YES" {
				isYes = true
			}
		}
		var text []byte
		if text, err = sc.textContent(); err == nil && (pkg.PkgID == "" || isYes && !*pkgIDIsYes) {
			pkg.PkgID = arenaString(&p.textArena, text)
			*pkgIDIsYes = isYes
		}
	case "location":
		for _, a := range sc.attrs {
			switch string(a.name) {
			case "href":
				pkg.Location = arenaString(&p.textArena, a.value)
			case "xml:base":
				pkg.LocationBase = arenaString(&p.textArena, a.value)
			}
		}
		err = sc.skipElement()
	case "rpm:sourcerpm":
		err = p.internText(&pkg.SourceRPM)
	case "file":
		err = p.parseFile()
	default:
		if kind, ok := depKindOf(sc.name); ok {
			// A repeated list replaces the earlier one, as in libsolv.
			p.deps[kind] = p.deps[kind][:0]
			err = p.parseDeps(kind)
		} else {
			err = sc.skipElement()
		}
	}
	return err
}

// internText sets *id to the interned text of the element just started.
// It goes through the dependency interner's cache: arches, source packages
// and EVRs repeat from package to package, and a package's name comes back
// in its provides.
func (p *primaryParser) internText(id *ID) error {
	text, err := p.sc.textContent()
	if err != nil {
		return err
	}
	*id = p.dict.lookup(text)
	return nil
}

// depKindOf maps "rpm:provides"... to its DepKind.
func depKindOf(name []byte) (DepKind, bool) {
	switch string(name) {
	case "rpm:provides":
		return Provides, true
	case "rpm:requires":
		return Requires, true
	case "rpm:conflicts":
		return Conflicts, true
	case "rpm:obsoletes":
		return Obsoletes, true
	case "rpm:suggests":
		return Suggests, true
	case "rpm:enhances":
		return Enhances, true
	case "rpm:recommends":
		return Recommends, true
	case "rpm:supplements":
		return Supplements, true
	}
	return 0, false
}

// parseFile reads a primary <file>; type="dir" and type="ghost" mark
// directories and ghosts.
func (p *primaryParser) parseFile() error {
	kind, err := fileKindOf(p.sc)
	if err != nil {
		return err
	}
	text, err := p.sc.textContent()
	if err != nil {
		return err
	}
	if len(text) > 0 {
		p.files = append(p.files, File{Path: p.strs.Intern(text), Kind: kind})
	}
	return nil
}

// fileKindOf reads the type attribute of the <file> tag just scanned.
func fileKindOf(sc *xmlScanner) (FileKind, error) {
	for _, a := range sc.attrs {
		if string(a.name) != "type" {
			continue
		}
		switch string(a.value) {
		case "file":
			return FilePlain, nil
		case "dir":
			return FileDir, nil
		case "ghost":
			return FileGhost, nil
		}
		return 0, sc.errorf(sc.offset, "file with unknown type %q", a.value)
	}
	return FilePlain, nil
}

// newEntryTag describes the form of <rpm:entry> that createrepo_c writes,
// for the scanner's fast path; kind="..." and anything unusual take the
// general one.
func newEntryTag() *simpleTag {
	return newSimpleTag("rpm:entry", "name", "flags", "epoch", "ver", "rel", "pre")
}

// The attributes of entryAttrs, in newEntryTag's order; epoch, ver and rel
// follow each other as in evrAttrs.
const (
	entryName = iota
	entryFlags
	entryEpoch
	entryVer
	entryRel
	entryPre
	numEntryAttrs
)

// entryAttrs holds the attributes of an <rpm:entry> that make its Dep.
type entryAttrs struct {
	vals    [numEntryAttrs][]byte
	present uint // bit k: vals[k] was given
	kind    []byte
	hasKind bool // kind="..." other than "package"
}

// parseDeps reads the <rpm:entry> elements of a dependency list whose start
// tag was just scanned. It is the scanner's children loop with the fast
// path tried before each token: the entries are most of primary.xml.
func (p *primaryParser) parseDeps(kind DepKind) error {
	sc := p.sc
	if sc.selfClosing {
		return nil
	}
	isRequires := kind == Requires
	depth := sc.depth()
	var e entryAttrs
	for {
		var ok bool
		if e.present, ok = sc.scanSimple(p.entryTag, e.vals[:]); ok {
			dep, err := p.makeDep(&e, isRequires)
			if err != nil {
				return err
			}
			p.deps[kind] = append(p.deps[kind], dep)
			continue
		}
		k, err := sc.nextTag()
		if err != nil {
			return err
		}
		switch {
		case k == tokEnd && sc.depth() < depth:
			return nil
		case k == tokStart:
			if string(sc.name) == "rpm:entry" {
				dep, err := p.parseEntry(isRequires)
				if err != nil {
					return err
				}
				p.deps[kind] = append(p.deps[kind], dep)
			}
			if err := sc.skipElement(); err != nil {
				return err
			}
		}
	}
}

// parseEntry turns the attributes of the <rpm:entry> just scanned into a Dep.
func (p *primaryParser) parseEntry(isRequires bool) (Dep, error) {
	var e entryAttrs
	for _, a := range p.sc.attrs {
		k := -1
		switch string(a.name) {
		case "name":
			k = entryName
		case "flags":
			k = entryFlags
		case "epoch":
			k = entryEpoch
		case "ver":
			k = entryVer
		case "rel":
			k = entryRel
		case "pre":
			k = entryPre
		case "kind":
			e.kind, e.hasKind = a.value, string(a.value) != "package"
		}
		if k >= 0 {
			e.vals[k], e.present = a.value, e.present|1<<k
		}
	}
	return p.makeDep(&e, isRequires)
}

// makeDep makes the Dep of an <rpm:entry> the way libsolv's adddep does:
// the version counts only with flags, pre="1" marks Requires(pre) in
// requires only, and kind="x" (other than "package") prefixes the name with
// "x:".
func (p *primaryParser) makeDep(e *entryAttrs, isRequires bool) (Dep, error) {
	sc := p.sc
	name, flags := e.vals[entryName], e.vals[entryFlags]
	if e.present&(1<<entryName) == 0 || len(name) == 0 {
		return Dep{}, sc.errorf(sc.offset, "rpm:entry without name")
	}
	if e.present&(1<<entryFlags) == 0 {
		flags = nil
	}
	op, ok := ParseFlags(string(flags)) // inlined: the conversion stays on the stack
	if !ok {
		return Dep{}, sc.errorf(sc.offset, "rpm:entry %q: bad flags value %q", name, flags)
	}
	if e.hasKind {
		p.buf = append(append(append(p.buf[:0], e.kind...), ':'), name...)
		name = p.buf
	}
	nameID := p.dict.name(name)
	var evr ID
	if op != OpNone {
		p.buf = appendEVRVals(p.buf[:0], (*[3][]byte)(e.vals[entryEpoch:entryRel+1]), e.present>>entryEpoch&7)
		evr = p.dict.version(nameID, p.buf)
	}
	pre := isRequires && e.present&(1<<entryPre) != 0 && len(e.vals[entryPre]) > 0 && e.vals[entryPre][0] == '1'
	return NewDep(nameID, evr, op, pre), nil
}
