package repogen

import (
	"fmt"
	"strings"
)

// kmodKind is how a kmod family binds to the kernel.
type kmodKind uint8

const (
	kmodKABI   kmodKind = iota // kernel(SYM) = CRC, kernel >= VER-REL
	kmodPinned                 // kernel-uname-r = VER-REL.ARCH (precompiled, nvidia style)
	kmodKsym                   // kABI plus ksym(SYM) = CRC from another kmod
	kmodBroken                 // kABI plus an ordinary dependency nothing provides
)

// kmodNames are real out-of-tree driver names; more get a numeric suffix.
var kmodNames = strings.Fields(`mlnx-ofa ice i40e ixgbe igb qla2xxx lpfc megaraid_sas mpt3sas
	bnxt_en be2net e1000e ena hpsa aacraid sfc qede nfp iavf r8168 drbd zfs spl lustre
	kvdo v4l2loopback veeamsnap cxgb4 smartpqi wireguard nvidia vboxdrv falcon`)

// missingDeps are ordinary dependencies that nothing in a series provides.
var missingDeps = []string{"libnvidia-ml.so.1()(64bit)", "firmware-extra-blobs", "/usr/sbin/vendor-mgmt-agent", "dkms"}

type kmodFamily struct {
	name, version string
	kind          kmodKind
	symbols       []int    // indexes into the series' symbols, for kABI kinds
	ksyms         []string // symbols a provider family exports as ksym(...)
	ksymCRCs      []string
	provider      *kmodFamily // for kmodKsym
	missing       string      // for kmodBroken
}

// kmods builds cfg.Kmods packages in families of one to three builds, each
// build made against a later kernel build than the one before.
func (g *seriesGen) kmods(r *rng, builds []KernelBuild) []Pkg {
	var out []Pkg
	var provider *kmodFamily
	for fam := 0; len(out) < g.cfg.Kmods; fam++ {
		b := r.intn(len(builds))
		f := g.newFamily(r, fam, provider, b)
		if provider == nil && len(f.ksyms) > 0 {
			provider = f
		}
		for n, count := 1, r.between(1, 3); n <= count && len(out) < g.cfg.Kmods; n++ {
			out = append(out, g.kmodPkg(f, n, b, builds[b]))
			b += r.between(1, g.cfg.MinorJumpAt)
			if b >= len(builds) {
				break
			}
		}
	}
	return out
}

func (g *seriesGen) newFamily(r *rng, i int, provider *kmodFamily, b int) *kmodFamily {
	name := kmodNames[i%len(kmodNames)]
	if i >= len(kmodNames) {
		name += itoa(i / len(kmodNames))
	}
	f := &kmodFamily{
		name:    name,
		version: fmt.Sprintf("%d.%d.%d", r.between(1, 9), r.between(0, 20), r.between(0, 300)),
	}
	// The first families cover every kind so that small series show them all.
	switch {
	case i == 0:
		f.kind = kmodKABI
	case i == 1 && provider != nil:
		f.kind = kmodKsym
	case i == 2:
		f.kind = kmodPinned
	case i == 3:
		f.kind = kmodBroken
	default:
		switch k := r.intn(100); {
		case k < 70:
			f.kind = kmodKABI
		case k < 80:
			f.kind = kmodPinned
		case k < 90 && provider != nil:
			f.kind = kmodKsym
		case k < 95:
			f.kind = kmodBroken
		default:
			f.kind = kmodKABI
		}
	}
	if f.kind == kmodKsym {
		f.provider = provider
	}
	if f.kind == kmodBroken {
		f.missing = pick(r, missingDeps)
	}
	if f.kind != kmodPinned {
		f.symbols = g.pickKmodSymbols(r, b)
	}
	if i == 0 {
		// The first family exports symbols to others, like mlnx-ofa's ib_core.
		for k := r.between(5, 15); k > 0; k-- {
			f.ksyms = append(f.ksyms, strings.ReplaceAll(name, "-", "_")+"_"+pick(r, symVerbs)+"_"+pick(r, symObjects)+"_"+itoa(k))
			f.ksymCRCs = append(f.ksymCRCs, crcString(r.uint32()))
		}
	}
	return f
}

// pickKmodSymbols chooses 20-200 symbols of build b, mostly from the
// stable list, as a driver would use.
func (g *seriesGen) pickKmodSymbols(r *rng, b int) []int {
	var stable, other []int
	for i, alive := range g.snapshots[b].alive {
		switch {
		case !alive:
		case g.syms[i].stable:
			stable = append(stable, i)
		default:
			other = append(other, i)
		}
	}
	n := r.between(20, 200)
	nStable := min(n*4/5, len(stable))
	var out []int
	for _, k := range r.sample(len(stable), nStable) {
		out = append(out, stable[k])
	}
	// A short stable list must not leave the kmod mostly off it.
	nOther := min(n-nStable, max(1, nStable/4))
	for _, k := range r.sample(len(other), nOther) {
		out = append(out, other[k])
	}
	return out
}

// kmodPkg is build number n of family f, made against kernel build b.
func (g *seriesGen) kmodPkg(f *kmodFamily, n, b int, build KernelBuild) Pkg {
	arch, kver := g.cfg.Arch, g.cfg.Version
	rel := fmt.Sprintf("%d.el%d_%d", n, g.cfg.Major, 4+build.Minor)
	p := Pkg{
		Name: "kmod-" + f.name, Arch: arch, Ver: f.version, Rel: rel,
		SourceRPM: f.name + "-kmod-" + f.version + "-" + rel + ".src.rpm",
	}
	uname := kver + "-" + build.Release + "." + arch
	mod := strings.ReplaceAll(f.name, "-", "_")
	p.Provides = append(selfProvides(&p), Entry{Name: "kmod(" + mod + ".ko)"})
	for i, s := range f.ksyms {
		p.Provides = append(p.Provides, Entry{Name: "ksym(" + s + ")", Flags: "EQ", Ver: f.ksymCRCs[i]})
	}
	p.Requires = []Entry{{Name: "/bin/sh", Pre: true}, {Name: "/usr/sbin/depmod"}}
	p.Files = []string{"/etc/depmod.d/" + mod + ".conf"}
	if f.kind == kmodPinned {
		p.Requires = append(p.Requires, eq("kernel-uname-r", kver, build.Release+"."+arch))
		p.Files = append(p.Files, "/lib/modules/"+uname+"/extra/"+mod+".ko")
	} else {
		p.Provides = append(p.Provides, eq("kernel-modules", kver, build.Release+"."+arch))
		p.Requires = append(p.Requires,
			Entry{Name: "/usr/sbin/weak-modules", Pre: true}, Entry{Name: "/usr/sbin/weak-modules"},
			Entry{Name: "kernel", Flags: "GE", Ver: kver, Rel: build.Release})
		state := g.snapshots[b]
		for _, i := range f.symbols {
			if state.alive[i] {
				p.Requires = append(p.Requires, Entry{Name: g.syms[i].prov, Flags: "EQ", Ver: state.crcS[i]})
			}
		}
		p.Files = append(p.Files, "/lib/modules/"+uname+"/extra/"+mod+"/"+mod+".ko")
		p.Dirs = []string{"/lib/modules/" + uname + "/extra/" + mod}
	}
	if f.provider != nil {
		for i, s := range f.provider.ksyms[:min(3, len(f.provider.ksyms))] {
			p.Requires = append(p.Requires, Entry{Name: "ksym(" + s + ")", Flags: "EQ", Ver: f.provider.ksymCRCs[i]})
		}
	}
	if f.missing != "" {
		p.Requires = append(p.Requires, Entry{Name: f.missing})
	}
	sortEntries(p.Provides)
	sortEntries(p.Requires)
	return p
}
