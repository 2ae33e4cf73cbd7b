package report

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestCompareBaseline(t *testing.T) {
	crc := Missing{Dep: "kernel(napi_enable) = 0x1a2b3c4d", Reason: ReasonCRCMismatch, KernelHas: "0x0badf00d"}
	tests := []struct {
		name   string
		change func(cur *Matrix) // applied to a copy of the sample
		want   Diff
	}{
		{"unchanged", func(*Matrix) {}, Diff{}},
		{
			"kmod breaks on a kernel",
			func(cur *Matrix) {
				c := cur.Cell(0, 1) // kmod-ok on 348
				c.Installable, c.Missing = false, []Missing{crc}
			},
			Diff{Regressions: []Regression{{Kmod: "kmod-ok-1.0-1.el8.x86_64", Kernel: k348, Missing: []Missing{crc}}}},
		},
		{
			"already broken is no regression, nor is getting worse",
			func(cur *Matrix) {
				c := cur.Cell(2, 1) // kmod-new on 348 misses 1 in the baseline
				c.Missing = append(c.Missing, crc)
			},
			Diff{},
		},
		{
			"fixed is no regression",
			func(cur *Matrix) {
				c := cur.Cell(1, 2) // kmod-crc on 372
				c.Installable, c.Missing = true, []Missing{}
			},
			Diff{},
		},
		{
			"new kernel and rebuilt kmod",
			func(cur *Matrix) {
				addKernel(cur, "4.18.0-425.el8.x86_64", false)
				renameKmod(cur, 1, "kmod-crc-2.1-4.el8_7.x86_64")
			},
			Diff{NewKernels: []string{"4.18.0-425.el8.x86_64"}, NewKmods: []string{"kmod-crc-2.1-4.el8_7.x86_64"}},
		},
		{
			"a kernel that fails everything is new, not a regression",
			func(cur *Matrix) { addKernel(cur, "4.18.0-999.el8.x86_64", true) },
			Diff{NewKernels: []string{"4.18.0-999.el8.x86_64"}},
		},
		{
			"dropped kernel and kmod are not reported",
			func(cur *Matrix) { *cur = *subMatrix(cur, []int{0, 1, 3}, []int{1, 2}) },
			Diff{},
		},
		{
			"cells matched by name, whatever the order",
			func(cur *Matrix) {
				*cur = *subMatrix(cur, []int{3, 2, 1, 0}, []int{2, 1, 0})
				c := cur.Cell(3, 0) // kmod-ok on 372
				c.Installable, c.Missing = false, []Missing{crc}
			},
			Diff{Regressions: []Regression{{Kmod: "kmod-ok-1.0-1.el8.x86_64", Kernel: k372, Missing: []Missing{crc}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := sampleMatrix()
			tt.change(cur)
			if err := cur.Validate(); err != nil {
				t.Fatalf("test matrix: %v", err)
			}
			if got := CompareBaseline(sampleMatrix(), cur); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CompareBaseline =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
	if d := CompareBaseline(nil, sampleMatrix()); len(d.NewKernels) != 3 || len(d.NewKmods) != 4 || d.Regressions != nil {
		t.Errorf("CompareBaseline(nil, sample) = %+v, want every kernel and kmod new", d)
	}
}

// addKernel appends a kernel on which every kmod installs, or none does.
func addKernel(m *Matrix, uname string, breaksAll bool) {
	m.Kernels = append(m.Kernels, Kernel{Uname: uname, EVR: strings.TrimSuffix(uname, ".x86_64")})
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
		Regressions: []Regression{{Kmod: "kmod-ok-1.0-1.el8.x86_64", Kernel: k348, Missing: []Missing{
			{Dep: "kernel(napi_enable) = 0x1a2b3c4d", Reason: ReasonCRCMismatch, KernelHas: "0x0badf00d"},
			{Dep: "kernel(gone) = 0x00000001", Reason: ReasonUnknownSymbol},
		}}},
	}
	var buf bytes.Buffer
	if err := WriteDiff(&buf, d); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"new kernels (1):\n  4.18.0-425.el8.x86_64\n",
		"new kmods (2):\n  kmod-crc-2.1-4.el8_7.x86_64\n  kmod-x-1-1.x86_64\n",
		"regressions (1)",
		"  kmod-ok-1.0-1.el8.x86_64 on 4.18.0-348.el8.x86_64:\n" +
			"    kernel(napi_enable) = 0x1a2b3c4d: crc-mismatch (kernel has 0x0badf00d)\n" +
			"    kernel(gone) = 0x00000001: unknown-symbol\n",
	}
	for _, w := range want {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("diff lacks %q:\n%s", w, buf.String())
		}
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
