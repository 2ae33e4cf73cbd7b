package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestCompareBaseline(t *testing.T) {
	crc := Missing{Dep: "kernel(napi_enable) = 0x1a2b3c4d", Reason: ReasonCRCMismatch, KernelHas: "0x0badf00d"}
	sample := sampleMatrix()
	on372 := func(kmod int) []Missing { return sample.Cell(kmod, 2).Missing }
	// The sample's regressions when 372 is new: kmod-crc and kmod-amp
	// installed on 348 and have no build that installs on 372.
	amp := Regression{Kmod: "kmod-amp", Kernel: k372, Previous: k348, WorksOnPrevious: []string{"kmod-amp-1:3.0-1.el8.x86_64"},
		Missing: map[string][]Missing{"kmod-amp-1:3.0-1.el8.x86_64": on372(3)}}
	crcReg := Regression{Kmod: "kmod-crc", Kernel: k372, Previous: k348, WorksOnPrevious: []string{"kmod-crc-2.1-3.el8_5.x86_64"},
		Missing: map[string][]Missing{"kmod-crc-2.1-3.el8_5.x86_64": on372(1)}}
	tests := []struct {
		name      string
		prev, cur func() *Matrix
		want      Diff
	}{
		{"unchanged", sampleMatrix, sampleMatrix, Diff{}},
		{
			"a new kernel breaks kmods that installed on the build before",
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 2, 3}, []int{0, 1}) },
			sampleMatrix,
			Diff{NewKernels: []string{k372}, Regressions: []Regression{amp, crcReg}},
		},
		{
			"the previous build may be in the baseline only",
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 2, 3}, []int{0, 1}) },
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 2, 3}, []int{2}) },
			Diff{NewKernels: []string{k372}, Regressions: []Regression{amp, crcReg}},
		},
		{
			"a rebuild that installs on the new kernel is no regression",
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 2, 3}, []int{0, 1}) },
			func() *Matrix {
				cur := sampleMatrix()
				addKmod(cur, "kmod-crc-2.1-4.el8_6.x86_64")
				return cur
			},
			Diff{NewKernels: []string{k372}, NewKmods: []string{"kmod-crc-2.1-4.el8_6.x86_64"}, Regressions: []Regression{amp}},
		},
		{
			"a kernel that fails everything breaks what installed on the build before",
			sampleMatrix,
			func() *Matrix {
				cur := sampleMatrix()
				addKernel(cur, "4.18.0-999.el8.x86_64", true)
				return cur
			},
			Diff{NewKernels: []string{"4.18.0-999.el8.x86_64"}, Regressions: []Regression{{Kmod: "kmod-ok", Kernel: "4.18.0-999.el8.x86_64", Previous: k372,
				WorksOnPrevious: []string{"kmod-ok-1.0-1.el8.x86_64"},
				Missing:         map[string][]Missing{"kmod-ok-1.0-1.el8.x86_64": {{Dep: "kernel(x) = 0x00000001", Reason: ReasonUnknownSymbol}}}}}},
		},
		{
			"a cell of a known kernel that changes is not a new kernel's regression",
			sampleMatrix,
			func() *Matrix {
				cur := sampleMatrix()
				c := cur.Cell(0, 1) // kmod-ok on 348
				c.Installable, c.Missing = false, []Missing{crc}
				return cur
			},
			Diff{},
		},
		{
			"new kernel and rebuilt kmod",
			sampleMatrix,
			func() *Matrix {
				cur := sampleMatrix()
				addKernel(cur, "4.18.0-425.el8.x86_64", false)
				renameKmod(cur, 1, "kmod-crc-2.1-4.el8_7.x86_64")
				return cur
			},
			Diff{NewKernels: []string{"4.18.0-425.el8.x86_64"}, NewKmods: []string{"kmod-crc-2.1-4.el8_7.x86_64"}},
		},
		{
			"dropped kernel and kmod are not reported",
			sampleMatrix,
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 3}, []int{1, 2}) },
			Diff{},
		},
		{
			"cells matched by name, whatever the order",
			func() *Matrix { return subMatrix(sampleMatrix(), []int{0, 1, 2, 3}, []int{0, 1}) },
			func() *Matrix { return subMatrix(sampleMatrix(), []int{3, 2, 1, 0}, []int{2, 1, 0}) },
			Diff{NewKernels: []string{k372}, Regressions: []Regression{amp, crcReg}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev, cur := tt.prev(), tt.cur()
			for _, m := range []*Matrix{prev, cur} {
				if err := m.Validate(); err != nil {
					t.Fatalf("test matrix: %v", err)
				}
			}
			if got := CompareBaseline(prev, cur); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CompareBaseline =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	if d := CompareBaseline(nil, sampleMatrix()); len(d.NewKernels) != 3 || len(d.NewKmods) != 4 || !reflect.DeepEqual(d.Regressions, []Regression{amp, crcReg}) {
		t.Errorf("CompareBaseline(nil, sample) = %+v, want every kernel and kmod new, and 372's regressions", d)
	}
}

// addKmod appends a kmod that installs on every kernel.
func addKmod(m *Matrix, nevra string) {
	m.Kmods = append(m.Kmods, Kmod{NEVRA: nevra, Repo: "elrepo"})
	for _, k := range m.Kernels {
		m.Cells = append(m.Cells, Cell{Kmod: nevra, Kernel: k.Uname, Installable: true, Missing: []Missing{}})
	}
}

// addKernel appends a kernel on which every kmod installs, or none does.
func addKernel(m *Matrix, uname string, breaksAll bool) {
	evr := strings.TrimSuffix(uname, ".x86_64")
	m.Kernels = append(m.Kernels, Kernel{Uname: uname, EVR: evr, Source: "kernel-" + evr + ".src.rpm"})
	var cells []Cell
	for i, k := range m.Kmods {
		cells = append(cells, m.Cells[i*(len(m.Kernels)-1):(i+1)*(len(m.Kernels)-1)]...)
		c := Cell{Kmod: k.NEVRA, Kernel: uname, Installable: true, Missing: []Missing{}}
		if breaksAll {
			c.Installable, c.Missing = false, []Missing{{Dep: "kernel(x) = 0x00000001", Reason: ReasonUnknownSymbol}}
		}
		cells = append(cells, c)
	}
	m.Cells = cells
}

func renameKmod(m *Matrix, kmod int, nevra string) {
	m.Kmods[kmod].NEVRA = nevra
	for j := range m.Kernels {
		m.Cell(kmod, j).Kmod = nevra
	}
}

// subMatrix keeps the given kmods and kernels, in the given order.
func subMatrix(m *Matrix, kmods, kernels []int) *Matrix {
	out := &Matrix{}
	for _, j := range kernels {
		out.Kernels = append(out.Kernels, m.Kernels[j])
	}
	for _, i := range kmods {
		out.Kmods = append(out.Kmods, m.Kmods[i])
		for _, j := range kernels {
			out.Cells = append(out.Cells, *m.Cell(i, j))
		}
	}
	return out
}

func TestWriteDiff(t *testing.T) {
	d := Diff{
		NewKernels: []string{"4.18.0-425.el8.x86_64"},
		NewKmods:   []string{"kmod-crc-2.1-4.el8_7.x86_64", "kmod-x-1-1.x86_64"},
		Regressions: []Regression{{Kmod: "kmod-ok", Kernel: k348, Previous: k305, WorksOnPrevious: []string{"kmod-ok-1.0-1.el8.x86_64"},
			Missing: map[string][]Missing{"kmod-ok-1.0-1.el8.x86_64": {
				{Dep: "kernel(napi_enable) = 0x1a2b3c4d", Reason: ReasonCRCMismatch, KernelHas: "0x0badf00d"},
				{Dep: "kernel(gone) = 0x00000001", Reason: ReasonUnknownSymbol},
			}}}},
	}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, d); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"new kernels (1):\n  4.18.0-425.el8.x86_64\n",
		"new kmods (2):\n  kmod-crc-2.1-4.el8_7.x86_64\n  kmod-x-1-1.x86_64\n",
		"regressions (1)",
		"  kmod-ok on 4.18.0-348.el8.x86_64 (installed on 4.18.0-305.el8.x86_64: kmod-ok-1.0-1.el8.x86_64):\n" +
			"    kmod-ok-1.0-1.el8.x86_64:\n" +
			"      kernel(napi_enable) = 0x1a2b3c4d: crc-mismatch (kernel has 0x0badf00d)\n" +
			"      kernel(gone) = 0x00000001: unknown-symbol\n",
	}
	for _, w := range want {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("diff lacks %q:\n%s", w, buf.String())
		}
	}

	buf.Reset()
	if err := WriteDiffJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	var back Diff
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || !reflect.DeepEqual(back, d) {
		t.Errorf("WriteDiffJSON round trip = %+v, %v; want %+v\n%s", back, err, d, buf.String())
	}
	buf.Reset()
	if err := WriteDiffJSON(&buf, Diff{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"regressions": []`) || !strings.Contains(buf.String(), `"new_kernels": []`) {
		t.Errorf("empty JSON diff has null lists:\n%s", buf.String())
	}

	buf.Reset()
	if err := WriteDiff(&buf, Diff{}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"no new kernels", "no new kmods", "no regressions"} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("empty diff lacks %q:\n%s", w, buf.String())
		}
	}
}
