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
		var exclude []string
		for kj, other := range m.Kernels {
			if kj != ki {
				exclude = append(exclude, other.Packages...)
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
