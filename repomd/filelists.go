package repomd

import "io"

// ParseFilelists reads filelists.xml (decompressed) and attaches its files to
// pkgs, which must have been parsed into strs, joining on PkgID. Like
// libsolv, it ignores a filelists package whose pkgid no package has (or that
// has none); it fails when the name, arch or version given there disagree
// with the package's. Afterwards each package's Files holds its primary
// files, then the others of filelists, each path once. name is for error
// messages: malformed input is a *ParseError giving the line, column and byte
// offset in r of the problem; after an error, some packages may already have
// their files.
func ParseFilelists(r io.Reader, name string, strs *Strings, pkgs []Package) error {
	return parseFilelists(r, name, strs, pkgs, nil)
}

// parseFilelists is ParseFilelists keeping only the paths keep accepts (all
// when keep is nil) beside primary's.
func parseFilelists(r io.Reader, name string, strs *Strings, pkgs []Package, keep func([]byte) bool) error {
	byPkgID := make(map[string]int, len(pkgs))
	for i := range pkgs {
		if id := pkgs[i].PkgID; id != "" {
			if _, dup := byPkgID[id]; !dup { // the first wins, as in libsolv
				byPkgID[id] = i
			}
		}
	}
	f := &filelistsParser{sc: newXMLScanner(r, name), strs: strs, pkgs: pkgs, byPkgID: byPkgID, keep: keep}
	return f.parse()
}

// filelistsParser merges one <package> at a time into its Package.
type filelistsParser struct {
	sc      *xmlScanner
	strs    *Strings
	pkgs    []Package
	byPkgID map[string]int
	keep    func(path []byte) bool // nil: every path

	files     []File // the package's merged list being built
	buf       []byte // EVR being built
	fileArena arena[File]

	// seen[id] == gen marks a path already in files: a dense array indexed
	// by string id makes the per-package duplicate check a load.
	seen []uint32
	gen  uint32
}

func (f *filelistsParser) parse() error {
	sc := f.sc
	rootSeen := false
	for {
		k, err := sc.nextTag()
		if err != nil {
			return err
		}
		switch k {
		case tokEOF:
			return nil
		case tokStart:
			if !rootSeen {
				rootSeen = true
				if string(sc.name) != "filelists" {
					return sc.errorf(sc.offset, "root element is <%s>, want <filelists>", sc.name)
				}
				continue
			}
			if string(sc.name) == "package" {
				err = f.parsePackage()
			} else {
				err = sc.skipElement()
			}
			if err != nil {
				return err
			}
		}
	}
}

// parsePackage reads one <package>, its start tag just scanned.
func (f *filelistsParser) parsePackage() error {
	sc := f.sc
	start := sc.offset
	var pkg *Package
	for _, a := range sc.attrs {
		if string(a.name) == "pkgid" {
			if i, ok := f.byPkgID[string(a.value)]; ok {
				pkg = &f.pkgs[i]
			}
			break
		}
	}
	if pkg == nil {
		return f.sc.skipElement()
	}
	for _, a := range sc.attrs {
		switch string(a.name) {
		case "name":
			if want := f.strs.String(pkg.Name); string(a.value) != want {
				return sc.errorf(start, "package %s: name %q, but primary says %q", pkg.PkgID, a.value, want)
			}
		case "arch":
			if want := f.strs.String(pkg.Arch); string(a.value) != want {
				return sc.errorf(start, "package %s: arch %q, but primary says %q", pkg.PkgID, a.value, want)
			}
		}
	}
	f.startFiles(pkg.Files)
	err := sc.children(func() error {
		switch string(sc.name) {
		case "version":
			return f.checkVersion(pkg)
		case "file":
			return f.parseFile()
		}
		return sc.skipElement()
	})
	if err != nil {
		return err
	}
	pkg.Files = f.fileArena.copy(f.files)
	return nil
}

// checkVersion checks a <version> against the package's EVR.
func (f *filelistsParser) checkVersion(pkg *Package) error {
	sc := f.sc
	var e evrAttrs
	for _, a := range sc.attrs {
		e.set(a)
	}
	f.buf = appendEVR(f.buf[:0], &e)
	if want := f.strs.String(pkg.EVR); string(f.buf) != want {
		return sc.errorf(sc.offset, "package %s: version %q, but primary says %q", pkg.PkgID, f.buf, want)
	}
	return f.sc.skipElement()
}

// startFiles begins a package's merged list with its primary files.
func (f *filelistsParser) startFiles(primary []File) {
	f.gen++
	if f.gen == 0 { // wrapped: old marks could collide
		clear(f.seen)
		f.gen = 1
	}
	f.files = f.files[:0]
	for _, file := range primary {
		f.add(file)
	}
}

// add appends file unless its path is already listed.
func (f *filelistsParser) add(file File) {
	if int(file.Path) >= len(f.seen) {
		f.seen = append(f.seen, make([]uint32, int(file.Path)+1-len(f.seen)+len(f.seen)/2)...)
	}
	if f.seen[file.Path] == f.gen {
		return
	}
	f.seen[file.Path] = f.gen
	f.files = append(f.files, file)
}

func (f *filelistsParser) parseFile() error {
	kind, err := fileKindOf(f.sc)
	if err != nil {
		return err
	}
	text, err := f.sc.textContent()
	if err != nil {
		return err
	}
	if len(text) > 0 && (f.keep == nil || f.keep(text)) {
		f.add(File{Path: f.strs.Intern(text), Kind: kind})
	}
	return nil
}
