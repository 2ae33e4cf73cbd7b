package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/cmd/repoclosure/report"
	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/repogen"
)

// ourMatrix runs `repoclosure matrix --format json` on repos.
func ourMatrix(t *testing.T, repos []dnforacle.Repo, args ...string) *report.Matrix {
	t.Helper()
	tmp := t.TempDir()
	argv := []string{"matrix", "-q", "--setopt=reposdir=" + filepath.Join(tmp, "none"), "--cachedir", filepath.Join(tmp, "cache"), "--forcearch", "x86_64", "--format", "json"}
	for _, r := range repos {
		argv = append(argv, "--repofrompath", r.Name+","+r.Path, "--repo", r.Name)
	}
	argv = append(argv, args...)
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), argv, &stdout, &stderr); code != exitClosed {
		t.Fatalf("matrix: exit %d: %s", code, stderr.String())
	}
	m, err := report.ReadJSON(&stdout, "matrix output")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// matrixMatchesDNF is the oracle of the matrix: for each kernel build, dnf
// repoclosure with every other build's packages excluded must report for each
// kmod exactly the cell's missing deps.
func matrixMatchesDNF(t *testing.T, repos []dnforacle.Repo, kmodRepo string) *report.Matrix {
	t.Helper()
	m := ourMatrix(t, repos)
	if len(m.Kernels) < 2 || len(m.Kmods) == 0 {
		t.Fatalf("matrix has %d kernels and %d kmods; the test needs several", len(m.Kernels), len(m.Kmods))
	}
	for ki, k := range m.Kernels {
		// The other builds' packages, but not K's own: a noarch
		// subpackage belongs to every arch's build of its source.
		var exclude []string
		for kj, other := range m.Kernels {
			if kj != ki {
				for _, p := range other.Packages {
					if !slices.Contains(k.Packages, p) && !slices.Contains(exclude, p) {
						exclude = append(exclude, p)
					}
				}
			}
		}
		res, err := dnforacle.Run(context.Background(), repos, "--check", kmodRepo, "-x", strings.Join(exclude, ","))
		if err != nil {
			t.Fatal(err)
		}
		for mi, kmod := range m.Kmods {
			c := m.Cell(mi, ki)
			var ours []string
			for _, miss := range c.Missing {
				ours = append(ours, miss.Dep)
			}
			slices.Sort(ours)
			dnf := res.Unresolved[kmod.NEVRA+" from "+kmod.Repo]
			if c.Installable != (len(dnf) == 0) || !slices.Equal(ours, dnf) {
				t.Errorf("%s on %s: ours installable=%v %q, dnf %q", kmod.NEVRA, k.Uname, c.Installable, ours, dnf)
			}
		}
	}
	return m
}

func TestMatrixMatchesDNFFixtures(t *testing.T) {
	dnforacle.Require(t)
	m := matrixMatchesDNF(t, []dnforacle.Repo{fixture("kernels"), fixture("kmods")}, "kmods")
	// Reasons against the fixtures' known CRCs (testdata/fixtures/specs/kernels/symvers-*).
	reasons := map[string]int{}
	for _, c := range m.Cells {
		for _, miss := range c.Missing {
			reasons[miss.Reason]++
			if miss.Reason == report.ReasonCRCMismatch && !strings.HasPrefix(miss.KernelHas, "0x") {
				t.Errorf("%s on %s: crc-mismatch without the kernel's CRC: %+v", c.Kmod, c.Kernel, miss)
			}
		}
	}
	for _, r := range []string{report.ReasonCRCMismatch, report.ReasonUnknownSymbol, report.ReasonKernelVersion, report.ReasonOther} {
		if reasons[r] == 0 {
			t.Errorf("no %s cell in the fixtures matrix: %v", r, reasons)
		}
	}
}

func TestMatrixMatchesDNFGenerated(t *testing.T) {
	dnforacle.Require(t)
	dir := t.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 7, Kernels: 5, Symbols: 1500, Kmods: 10, OtherPkgs: 30, MinorJumpAt: 3})
	if err := s.Write(dir, repogen.XZ); err != nil {
		t.Fatal(err)
	}
	m := matrixMatchesDNF(t, []dnforacle.Repo{{Name: "kernels", Path: filepath.Join(dir, "kernels")}, {Name: "kmods", Path: filepath.Join(dir, "kmods")}}, "kmods")
	// Reasons against the generator's own CRC tables.
	crc := map[string]map[string]string{} // uname -> symbol -> CRC
	for _, k := range s.Kernels {
		for _, p := range k.Provides {
			if sym, ok := strings.CutPrefix(p.Name, "kernel("); ok && strings.HasPrefix(p.Ver, "0x") {
				uname := fmt.Sprintf("%s-%s.%s", k.Ver, k.Rel, k.Arch)
				if crc[uname] == nil {
					crc[uname] = map[string]string{}
				}
				crc[uname][strings.TrimSuffix(sym, ")")] = p.Ver
			}
		}
	}
	checked := 0
	for _, c := range m.Cells {
		for _, miss := range c.Missing {
			sym, ok := strings.CutPrefix(miss.Dep, "kernel(")
			if !ok {
				continue
			}
			sym = sym[:strings.IndexByte(sym, ')')]
			has, present := crc[c.Kernel][sym]
			switch {
			case miss.Reason == report.ReasonCRCMismatch && (!present || has != miss.KernelHas):
				t.Errorf("%s on %s: %s crc-mismatch %q, generator has %q (present %v)", c.Kmod, c.Kernel, miss.Dep, miss.KernelHas, has, present)
			case miss.Reason == report.ReasonUnknownSymbol && present:
				t.Errorf("%s on %s: %s unknown-symbol, but the build has it = %s", c.Kmod, c.Kernel, miss.Dep, has)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("no kernel(...) dep was missing anywhere: the series has no CRC changes")
	}
}

// TestMatrixMatchesDNFTwoArch: a series built for i686 and x86_64 (both
// installable on x86_64) with a noarch subpackage per source, and a
// devel-only source that is no kernel build: every cell as dnf says when
// only that build's packages (its noarch one included) are there.
func TestMatrixMatchesDNFTwoArch(t *testing.T) {
	dnforacle.Require(t)
	dir := t.TempDir()
	e := func(name, ver string) repogen.Entry {
		if ver == "" {
			return repogen.Entry{Name: name}
		}
		v, r, _ := strings.Cut(ver, "-")
		return repogen.Entry{Name: name, Flags: "EQ", Ver: v, Rel: r}
	}
	var kernels []repogen.Pkg
	for _, rel := range []string{"1.el9", "2.el9"} {
		src := "kernel-5.14.0-" + rel + ".src.rpm"
		evr := "5.14.0-" + rel
		for _, arch := range []string{"i686", "x86_64"} {
			crc := "0x0000000" + rel[:1] // the symbol's CRC changes with the release
			kernels = append(kernels, repogen.Pkg{Name: "kernel-core", Arch: arch, Ver: "5.14.0", Rel: rel, SourceRPM: src,
				Provides: []repogen.Entry{e("kernel-core", evr), e("kernel-uname-r", evr+"."+arch), {Name: "kernel(sym)", Flags: "EQ", Ver: crc}, {Name: "kernel(stable)", Flags: "EQ", Ver: "0x00000001"}}})
		}
		kernels = append(kernels, repogen.Pkg{Name: "kernel-abi-stablelists", Arch: "noarch", Ver: "5.14.0", Rel: rel, SourceRPM: src,
			Provides: []repogen.Entry{e("kernel-abi-stablelists", evr), e("kabi-lists", evr)}})
	}
	// 5.14.0-3: headers and devel only, as AppStream ships them.
	for _, name := range []string{"kernel-headers", "kernel-devel"} {
		kernels = append(kernels, repogen.Pkg{Name: name, Arch: "x86_64", Ver: "5.14.0", Rel: "3.el9", SourceRPM: "kernel-5.14.0-3.el9.src.rpm",
			Provides: []repogen.Entry{e(name, "5.14.0-3.el9"), e(name+"-uname-r", "5.14.0-3.el9.x86_64")}})
	}
	kmod := func(name, ver string, reqs ...repogen.Entry) repogen.Pkg {
		return repogen.Pkg{Name: name, Arch: "x86_64", Ver: ver, Rel: "1.el9", SourceRPM: name + "-" + ver + "-1.el9.src.rpm",
			Provides: []repogen.Entry{e(name, ver+"-1.el9")}, Requires: reqs}
	}
	kmods := []repogen.Pkg{
		kmod("kmod-lists", "1", e("kernel(stable)", "")),
		kmod("kmod-lists", "2", repogen.Entry{Name: "kernel(stable)", Flags: "EQ", Ver: "0x00000001"}, e("kabi-lists", "")),
		kmod("kmod-sym", "1", repogen.Entry{Name: "kernel(sym)", Flags: "EQ", Ver: "0x00000001"}),
		kmod("kmod-sym", "2", repogen.Entry{Name: "kernel(sym)", Flags: "EQ", Ver: "0x00000002"}, e("kabi-lists", "")),
		kmod("kmod-pin", "1", e("kernel-uname-r", "5.14.0-2.el9.x86_64"), e("kernel-modules-core-uname-r", "")),
	}
	if err := repogen.WriteRepo(filepath.Join(dir, "kernels"), kernels, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	if err := repogen.WriteRepo(filepath.Join(dir, "kmods"), kmods, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	repos := []dnforacle.Repo{{Name: "kernels", Path: filepath.Join(dir, "kernels")}, {Name: "kmods", Path: filepath.Join(dir, "kmods")}}
	m := matrixMatchesDNF(t, repos, "kmods")
	var unames []string
	for _, k := range m.Kernels {
		unames = append(unames, k.Uname)
	}
	if got, want := strings.Join(unames, " "), "5.14.0-1.el9.i686 5.14.0-1.el9.x86_64 5.14.0-2.el9.i686 5.14.0-2.el9.x86_64"; got != want {
		t.Errorf("kernels %q, want %q", got, want)
	}
	reasons := map[string]int{}
	for _, c := range m.Cells {
		for _, miss := range c.Missing {
			reasons[miss.Reason]++
		}
	}
	if reasons[report.ReasonKernelPackageMissing] == 0 || reasons[report.ReasonCRCMismatch] == 0 {
		t.Errorf("reasons %v: want kernel-package-missing and crc-mismatch cells", reasons)
	}
	// --latest: the newest build of each name.
	var latest []string
	for _, k := range ourMatrix(t, repos, "--latest").Kmods {
		latest = append(latest, k.NEVRA)
	}
	if got, want := strings.Join(latest, " "), "kmod-lists-2-1.el9.x86_64 kmod-pin-1-1.el9.x86_64 kmod-sym-2-1.el9.x86_64"; got != want {
		t.Errorf("--latest kmods %q, want %q", got, want)
	}
	// By name: kmod-sym installs everywhere with one build or the other.
	for _, n := range m.Names() {
		if n.Name == "kmod-sym" && slices.Contains(n.Installable, false) {
			t.Errorf("kmod-sym by name: %v, want installable on every build", n.Installable)
		}
	}
}
