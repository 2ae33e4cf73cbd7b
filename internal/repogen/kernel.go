package repogen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// SeriesConfig describes an EL8-like kernel series. Zero fields take the
// defaults noted beside them.
type SeriesConfig struct {
	Seed    int64
	Kernels int // kernel builds (default 8)
	Symbols int // kernel(...) symbols in the first build (default 3000)
	Kmods   int // kmod packages (default 12; negative for none)
	// OtherPkgs is the number of ordinary packages, at least the 10 that
	// kernels and kmods need (default 40; negative for none at all).
	OtherPkgs int
	// MinorJumpAt is the number of builds per minor release: builds
	// MinorJumpAt, 2*MinorJumpAt... start a new minor release (305 -> 348 ->
	// 372...), where ChangeFrac of the CRCs off the stable list change
	// (default 4; >= Kernels for a single minor release).
	MinorJumpAt int
	// ChangeFrac is the share of non-stable CRCs that change at a minor jump
	// (default 1/3; negative for none).
	ChangeFrac float64
	Arch       string // default x86_64
	// StableFrac is the share of the first build's symbols on the kABI
	// stable list (default 0.04).
	StableFrac float64
	// ModulesFrac is the share of symbols that kernel-modules exports
	// rather than kernel-core (default 0.2).
	ModulesFrac float64
	// Version is the kernel's upstream version (default 4.18.0); Major the
	// RHEL major release in the dist tag (default 8).
	Version string
	Major   int
}

func (c SeriesConfig) withDefaults() SeriesConfig {
	def := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	def(&c.Kernels, 8)
	def(&c.Symbols, 3000)
	// A series has at least one build and one symbol.
	c.Kernels, c.Symbols = max(c.Kernels, 1), max(c.Symbols, 1)
	def(&c.Kmods, 12)
	def(&c.OtherPkgs, 40)
	def(&c.MinorJumpAt, 4)
	def(&c.Major, 8)
	c.MinorJumpAt, c.Major = max(c.MinorJumpAt, 1), max(c.Major, 1)
	if c.ChangeFrac == 0 {
		c.ChangeFrac = 1.0 / 3
	}
	if c.StableFrac <= 0 {
		c.StableFrac = 0.04
	}
	if c.ModulesFrac <= 0 {
		c.ModulesFrac = 0.2
	}
	if c.Arch == "" {
		c.Arch = "x86_64"
	}
	if c.Version == "" {
		c.Version = "4.18.0"
	}
	return c
}

// KABISymbol is one line of a kABI stable list (Module.kabi_<arch>).
type KABISymbol struct {
	CRC    uint32
	Name   string
	Module string // "vmlinux" or the exporting module's path
	GPL    bool   // EXPORT_SYMBOL_GPL
}

// KernelBuild names one build of the series.
type KernelBuild struct {
	Release string // e.g. "305.7.1.el8_4"
	Minor   int    // minor release index, 0 for the first
}

// Series is a generated kernel series.
type Series struct {
	Config  SeriesConfig // with defaults filled in
	Builds  []KernelBuild
	Kernels []Pkg // kernel, kernel-core, kernel-modules of each build, oldest first
	Kmods   []Pkg
	Others  []Pkg // ordinary packages the kernels and kmods need, and more
	// StableList is the kABI stable list, sorted by name; its CRCs hold for
	// every build.
	StableList []KABISymbol
}

// KernelSeries generates an EL8-like kernel series; see NewSeries.
func KernelSeries(cfg SeriesConfig) (kernels, kmods, others []Pkg) {
	s := NewSeries(cfg)
	return s.Kernels, s.Kmods, s.Others
}

// NewSeries generates an EL8-like kernel series: builds of kernel-VERSION-R
// with R rising through z-streams (305.el8, 305.3.1.el8_4...) and minor
// releases (348.el8...). Within a minor release each z-stream changes a few
// CRCs, adds some symbols and removes a few; a minor jump changes
// ChangeFrac of them. Symbols on the stable list never change. Kmods are
// built against one build each: most track the kABI (kernel(SYM) = CRC),
// some pin kernel-uname-r, some need ksym(...) from another kmod, a few
// have an ordinary dependency nothing provides. The same cfg always gives
// the same series.
func NewSeries(cfg SeriesConfig) *Series {
	cfg = cfg.withDefaults()
	g := &seriesGen{cfg: cfg, isa: isaName(cfg.Arch)}
	s := &Series{Config: cfg}
	g.initSymbols(newRNG(cfg.Seed, 1))
	evolve := newRNG(cfg.Seed, 2)
	for b := 0; b < cfg.Kernels; b++ {
		if b > 0 {
			g.evolve(evolve, b%cfg.MinorJumpAt == 0)
		}
		build := g.nextBuild(evolve, b)
		s.Builds = append(s.Builds, build)
		g.snapshots = append(g.snapshots, g.snapshot())
		s.Kernels = append(s.Kernels, g.kernelPkgs(build)...)
	}
	s.StableList = g.stableList()
	s.Kmods = g.kmods(newRNG(cfg.Seed, 3), s.Builds)
	s.Others = otherPkgs(newRNG(cfg.Seed, 4), cfg)
	return s
}

// isaName is rpm's %{_isa} name for an arch, as in kernel(x86-64).
func isaName(arch string) string {
	switch arch {
	case "x86_64":
		return "x86-64"
	case "i686", "i586", "i486", "i386":
		return "x86-32"
	case "aarch64":
		return "aarch-64"
	case "ppc64le", "ppc64":
		return "ppc-64"
	case "s390x":
		return "s390-64"
	}
	return arch
}

type kernelSymbol struct {
	name   string
	prov   string // "kernel(name)"
	module string // "" for vmlinux
	gpl    bool
	stable bool
}

// symbolState is the symbols of one build: CRC and presence per symbol index.
type symbolState struct {
	crc   []uint32
	crcS  []string // "0x%08x", shared between builds while unchanged
	alive []bool
}

type seriesGen struct {
	cfg       SeriesConfig
	isa       string
	syms      []kernelSymbol
	order     []int // indexes of syms sorted by prov
	cur       symbolState
	snapshots []symbolState
	names     *rng // draws names for symbols added later
	seen      map[string]bool
	minor     int
	base      int // release number of the current minor, 305...
	zA, zB    int // z-stream counters of 305.zA.zB
}

func crcString(c uint32) string { return fmt.Sprintf("0x%08x", c) }

func (g *seriesGen) initSymbols(r *rng) {
	names := symbolNames(r, g.cfg.Symbols)
	g.seen = make(map[string]bool, len(names))
	for i, n := range names {
		g.addSymbol(r, n)
		g.order = append(g.order, i)
	}
	slices.SortFunc(g.order, func(a, b int) int { return strings.Compare(g.syms[a].prov, g.syms[b].prov) })
	// The stable list is a deterministic ~StableFrac subset of the first
	// build, mostly vmlinux symbols as in RHEL's lists.
	// Half of it comes from the real names (the first symbols), as real lists
	// hold the best-known exports.
	k := int(float64(len(g.syms))*g.cfg.StableFrac + 0.5)
	nReal := min(len(realSymbols), len(g.syms))
	fromReal := min(k/2, nReal)
	for _, i := range r.sample(nReal, fromReal) {
		g.syms[i].stable = true
	}
	for _, i := range r.sample(len(g.syms)-nReal, k-fromReal) {
		g.syms[nReal+i].stable = true
	}
	g.names = r
}

// addSymbol appends a symbol; the real names, which come first, are vmlinux's.
func (g *seriesGen) addSymbol(r *rng, name string) {
	s := kernelSymbol{name: name, prov: "kernel(" + name + ")", gpl: r.chance(0.3)}
	if len(g.syms) >= len(realSymbols) && r.chance(g.cfg.ModulesFrac) {
		s.module = pick(r, modulePaths)
	}
	g.seen[name] = true
	g.syms = append(g.syms, s)
	c := r.uint32()
	g.cur.crc = append(g.cur.crc, c)
	g.cur.crcS = append(g.cur.crcS, crcString(c))
	g.cur.alive = append(g.cur.alive, true)
}

func (g *seriesGen) snapshot() symbolState {
	return symbolState{
		crc:   slices.Clone(g.cur.crc),
		crcS:  slices.Clone(g.cur.crcS),
		alive: slices.Clone(g.cur.alive),
	}
}

// evolve moves the symbol table from one build to the next.
func (g *seriesGen) evolve(r *rng, minorJump bool) {
	n := len(g.syms)
	changeable := func(i int) bool { return g.cur.alive[i] && !g.syms[i].stable }
	change := func(i int) {
		c := r.uint32()
		if c == g.cur.crc[i] {
			c++
		}
		g.cur.crc[i] = c
		g.cur.crcS[i] = crcString(c)
	}
	var added, removed int
	if minorJump {
		if g.cfg.ChangeFrac > 0 {
			for i := 0; i < n; i++ {
				if changeable(i) && r.chance(g.cfg.ChangeFrac) {
					change(i)
				}
			}
		}
		added = r.between(g.cfg.Symbols/100, g.cfg.Symbols*3/100)
		removed = r.between(0, g.cfg.Symbols/200+1)
	} else {
		for k := r.between(1, 5); k > 0; k-- {
			if i := r.intn(n); changeable(i) {
				change(i)
			}
		}
		added = r.between(0, g.cfg.Symbols/300+2)
		removed = r.between(0, 3)
	}
	for ; removed > 0; removed-- {
		if i := r.intn(n); changeable(i) {
			g.cur.alive[i] = false
		}
	}
	for ; added > 0; added-- {
		name := newSymbolName(g.names)
		if g.seen[name] {
			continue
		}
		g.addSymbol(g.names, name)
		// Keep order sorted by provide name, so that kernel packages need no sort.
		prov := g.syms[len(g.syms)-1].prov
		at, _ := slices.BinarySearchFunc(g.order, prov, func(i int, name string) int {
			return strings.Compare(g.syms[i].prov, name)
		})
		g.order = slices.Insert(g.order, at, len(g.syms)-1)
	}
}

// el8Minors are the GA release numbers of RHEL 8.4 to 8.10; later minors of
// longer series continue at a similar pace.
var el8Minors = []int{305, 348, 372, 425, 477, 513, 553}

func (g *seriesGen) nextBuild(r *rng, b int) KernelBuild {
	if b > 0 && b%g.cfg.MinorJumpAt == 0 {
		g.minor++
	}
	if b%g.cfg.MinorJumpAt == 0 {
		if g.minor < len(el8Minors) {
			g.base = el8Minors[g.minor]
		} else {
			g.base += r.between(30, 55)
		}
		g.zA, g.zB = 0, 0
		return KernelBuild{Release: fmt.Sprintf("%d.el%d", g.base, g.cfg.Major), Minor: g.minor}
	}
	g.zA += r.between(2, 5)
	g.zB = 1
	if r.chance(0.2) {
		g.zB = 2
	}
	return KernelBuild{
		Release: fmt.Sprintf("%d.%d.%d.el%d_%d", g.base, g.zA, g.zB, g.cfg.Major, 4+g.minor),
		Minor:   g.minor,
	}
}

func eq(name, ver, rel string) Entry { return Entry{Name: name, Flags: "EQ", Ver: ver, Rel: rel} }

// selfProvides are what rpmbuild adds to every package: name = EVR and,
// for arch-specific packages, name(isa) = EVR.
func selfProvides(p *Pkg) []Entry {
	out := []Entry{{Name: p.Name, Flags: "EQ", Epoch: orZero(p.Epoch), Ver: p.Ver, Rel: p.Rel}}
	if p.Arch != "noarch" {
		out = append(out, Entry{Name: p.Name + "(" + isaName(p.Arch) + ")", Flags: "EQ", Epoch: orZero(p.Epoch), Ver: p.Ver, Rel: p.Rel})
	}
	return out
}

// mergeSorted merges two lists sorted by name, a's entries first among equals.
func mergeSorted(a, b []Entry) []Entry {
	out := make([]Entry, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Name < a[0].Name {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// sortEntries orders dependencies by name as rpm stores them.
func sortEntries(e []Entry) {
	slices.SortStableFunc(e, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
}

func (g *seriesGen) kernelPkgs(build KernelBuild) []Pkg {
	ver, rel, arch := g.cfg.Version, build.Release, g.cfg.Arch
	uname := ver + "-" + rel + "." + arch
	src := "kernel-" + ver + "-" + rel + ".src.rpm"
	mk := func(name string) Pkg {
		return Pkg{Name: name, Arch: arch, Ver: ver, Rel: rel, SourceRPM: src}
	}
	unameRel := rel + "." + arch

	meta := mk("kernel")
	meta.Provides = selfProvides(&meta)
	meta.Requires = []Entry{eq("kernel-core-uname-r", ver, unameRel), eq("kernel-modules-uname-r", ver, unameRel)}

	core := mk("kernel-core")
	core.Provides = append(selfProvides(&core),
		Entry{Name: "installonlypkg(kernel)"},
		eq("kernel", ver, rel),
		eq("kernel-core-uname-r", ver, unameRel),
		eq("kernel-uname-r", ver, unameRel),
		eq("kernel-"+arch, ver, rel),
		eq("kernel("+g.isa+")", ver, rel),
	)
	core.Requires = []Entry{
		{Name: "/bin/sh"}, {Name: "/bin/sh", Pre: true},
		{Name: "/usr/bin/kernel-install", Pre: true},
		{Name: "coreutils", Pre: true},
		{Name: "dracut", Flags: "GE", Ver: "027", Pre: true},
		{Name: "linux-firmware", Flags: "GE", Ver: "20150904", Rel: "56.git6ebf5d57", Pre: true},
		{Name: "systemd", Flags: "GE", Ver: "200"},
	}
	core.Conflicts = []Entry{{Name: "xfsprogs", Flags: "LT", Ver: "4.3.0", Rel: "1"}}
	moddir := "/lib/modules/" + uname
	core.Files = []string{moddir + "/System.map", moddir + "/config", moddir + "/symvers.gz", moddir + "/vmlinuz", "/etc/ld.so.conf.d/kernel-" + uname + ".conf"}
	core.Dirs = []string{moddir, moddir + "/kernel"}

	mods := mk("kernel-modules")
	mods.Provides = append(selfProvides(&mods),
		Entry{Name: "installonlypkg(kernel-module)"},
		eq("kernel-modules-uname-r", ver, unameRel),
		eq("kernel-modules-"+arch, ver, rel),
	)
	mods.Requires = []Entry{{Name: "/bin/sh"}, {Name: "/bin/sh", Pre: true}, eq("kernel-uname-r", ver, unameRel)}
	coreSyms, modSyms, modules := g.kernelSymbols()
	for _, m := range modules {
		base := m[strings.LastIndexByte(m, '/')+1:]
		mods.Provides = append(mods.Provides, Entry{Name: "kmod(" + base + ".ko)"})
		mods.Files = append(mods.Files, moddir+"/kernel/"+m+".ko.xz")
	}
	mods.Dirs = []string{moddir + "/kernel/drivers"}
	for _, p := range []*Pkg{&meta, &core, &mods} {
		sortEntries(p.Provides)
		sortEntries(p.Requires)
	}
	core.Provides = mergeSorted(core.Provides, coreSyms)
	mods.Provides = mergeSorted(mods.Provides, modSyms)
	return []Pkg{meta, core, mods}
}

// kernelSymbols returns the current build's kernel(...) provides of
// kernel-core and of kernel-modules, and the modules (sorted) that export
// the latter.
func (g *seriesGen) kernelSymbols() (coreSyms, modSyms []Entry, modules []string) {
	used := map[string]bool{}
	for _, i := range g.order {
		if !g.cur.alive[i] {
			continue
		}
		e := Entry{Name: g.syms[i].prov, Flags: "EQ", Ver: g.cur.crcS[i]}
		if g.syms[i].module == "" {
			coreSyms = append(coreSyms, e)
		} else {
			modSyms = append(modSyms, e)
			used[g.syms[i].module] = true
		}
	}
	return coreSyms, modSyms, slices.Sorted(maps.Keys(used))
}

func (g *seriesGen) stableList() []KABISymbol {
	var out []KABISymbol
	for i, s := range g.syms {
		if !s.stable {
			continue
		}
		mod := s.module
		if mod == "" {
			mod = "vmlinux"
		}
		out = append(out, KABISymbol{CRC: g.snapshots[0].crc[i], Name: s.name, Module: mod, GPL: s.gpl})
	}
	slices.SortFunc(out, func(a, b KABISymbol) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// WriteKABIList writes syms in the format of RHEL's Module.kabi_<arch> and
// kabi_stablelist files: "0xCRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL[_GPL]".
func WriteKABIList(w io.Writer, syms []KABISymbol) error {
	bw := bufio.NewWriter(w)
	for _, s := range syms {
		export := "EXPORT_SYMBOL"
		if s.GPL {
			export = "EXPORT_SYMBOL_GPL"
		}
		bw.WriteString(crcString(s.CRC) + "\t" + s.Name + "\t" + s.Module + "\t" + export + "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write kABI list: %w", err)
	}
	return nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// Write writes the series as two repositories, dir/kernels (the kernels
// and the ordinary packages, as a BaseOS holds them) and dir/kmods, and its
// stable list as dir/kabi_stablelist_<arch>.
func (s *Series) Write(dir string, comp Compression) error {
	base := append(slices.Clip(s.Kernels), s.Others...)
	if err := WriteRepo(filepath.Join(dir, "kernels"), base, comp); err != nil {
		return err
	}
	if err := WriteRepo(filepath.Join(dir, "kmods"), s.Kmods, comp); err != nil {
		return err
	}
	path := filepath.Join(dir, "kabi_stablelist_"+s.Config.Arch)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write series: %w", err)
	}
	werr := WriteKABIList(f, s.StableList)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("write series: %s: %w", path, err)
	}
	return nil
}
