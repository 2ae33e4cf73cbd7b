package kabi

import (
	"reflect"
	"testing"
)

func build(uname, evr, source, arch string) BuildRef {
	return BuildRef{Uname: uname, EVR: evr, Source: source, Arch: arch}
}

func TestPrevious(t *testing.T) {
	kernels := []BuildRef{
		build("4.18.0-348.el8.x86_64", "4.18.0-348.el8", "kernel-4.18.0-348.el8.src.rpm", "x86_64"),                            // 0
		build("4.18.0-305.el8.x86_64", "4.18.0-305.el8", "kernel-4.18.0-305.el8.src.rpm", "x86_64"),                            // 1
		build("4.18.0-348.7.1.el8_5.x86_64", "4.18.0-348.7.1.el8_5", "kernel-4.18.0-348.7.1.el8_5.src.rpm", "x86_64"),          // 2
		build("4.18.0-348.el8.aarch64", "4.18.0-348.el8", "kernel-4.18.0-348.el8.src.rpm", "aarch64"),                          // 3
		build("4.18.0-348.rt7.130.el8.x86_64", "4.18.0-348.rt7.130.el8", "kernel-rt-4.18.0-348.rt7.130.el8.src.rpm", "x86_64"), // 4
		build("4.18.0-348.10.rt7.el8.x86_64", "4.18.0-348.10.rt7.el8", "kernel-rt-4.18.0-348.10.rt7.el8.src.rpm", "x86_64"),    // 5
	}
	for _, tt := range []struct{ u, want int }{
		{0, 1},  // by EVR, not by position
		{2, 0},  // 348.7.1 follows 348
		{1, -1}, // the oldest
		{3, -1}, // no older aarch64 build
		{4, -1}, // kernel-rt is its own line: kernel's 348 does not count
		{5, 4},
	} {
		if got := Previous(kernels, tt.u); got != tt.want {
			t.Errorf("Previous(%s) = %d, want %d", kernels[tt.u].Uname, got, tt.want)
		}
	}
}

// BuildRefOf keeps the arch and the flavour apart, as KernelBuilds does,
// and Previous pairs a flavour with its own line.
func TestBuildRefOf(t *testing.T) {
	for _, tt := range []struct{ uname, evr, arch string }{
		{"4.18.0-348.el8.x86_64", "4.18.0-348.el8", "x86_64"},
		{"5.14.0-55.el9.x86_64+debug", "5.14.0-55.el9", "x86_64"},
		{"5.14.0-55.el9.aarch64+64k-debug", "5.14.0-55.el9", "aarch64"},
	} {
		got := BuildRefOf(tt.uname, tt.evr, "kernel-"+tt.evr+".src.rpm")
		want := BuildRef{Uname: tt.uname, EVR: tt.evr, Source: "kernel-" + tt.evr + ".src.rpm", Arch: tt.arch}
		if got != want {
			t.Errorf("BuildRefOf(%s) = %+v, want %+v", tt.uname, got, want)
		}
	}
	refs := []BuildRef{
		BuildRefOf("5.14.0-55.el9.x86_64+debug", "5.14.0-55.el9", "kernel-5.14.0-55.el9.src.rpm"),
		BuildRefOf("5.14.0-55.el9.x86_64", "5.14.0-55.el9", "kernel-5.14.0-55.el9.src.rpm"),
		BuildRefOf("5.14.0-70.el9.x86_64", "5.14.0-70.el9", "kernel-5.14.0-70.el9.src.rpm"),
		BuildRefOf("5.14.0-70.el9.x86_64+debug", "5.14.0-70.el9", "kernel-5.14.0-70.el9.src.rpm"),
	}
	if p, q := Previous(refs, 2), Previous(refs, 3); p != 1 || q != 0 {
		t.Errorf("Previous of 70 = %d, of 70+debug = %d; want 1 and 0", p, q)
	}
}

func TestRegressionsAndFixes(t *testing.T) {
	kernels := []BuildRef{
		build("5.14.0-1.el9.x86_64", "5.14.0-1.el9", "kernel-5.14.0-1.el9.src.rpm", "x86_64"),
		build("5.14.0-2.el9.x86_64", "5.14.0-2.el9", "kernel-5.14.0-2.el9.src.rpm", "x86_64"),
		build("5.14.0-3.el9.x86_64", "5.14.0-3.el9", "kernel-5.14.0-3.el9.src.rpm", "x86_64"),
	}
	kmods := []KmodRef{
		{"kmod-a-1-1.el9.x86_64", "kmod-a"}, // 0: works on 1 and 2, not 3
		{"kmod-a-1-2.el9.x86_64", "kmod-a"}, // 1: a rebuild, works on 3 only
		{"kmod-b-1-1.el9.x86_64", "kmod-b"}, // 2: works on 1 only
		{"kmod-c-1-1.el9.x86_64", "kmod-c"}, // 3: never works
		{"kmod-d-1-1.el9.x86_64", "kmod-d"}, // 4: works on 2, unknown on 3 (gone before 3 came)
	}
	works := map[[2]int]bool{{0, 0}: true, {0, 1}: true, {1, 2}: true, {2, 0}: true, {4, 1}: true}
	unknown := map[[2]int]bool{{4, 2}: true}
	installs := func(m, k int) (bool, bool) {
		if unknown[[2]int{m, k}] {
			return false, false
		}
		return works[[2]int{m, k}], true
	}
	got := Regressions(kernels, []int{1, 2}, kmods, installs)
	want := []Regression{
		{Kmod: "kmod-b", Kernel: 1, Previous: 0, WorksOnPrevious: []int{2}, Builds: []int{2}},
		// kmod-a on 3: build 1 installs, so no regression; kmod-d has no
		// build judged on 3: no evidence either way.
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Regressions =\n%+v\nwant\n%+v", got, want)
	}
	// Without the rebuild, kmod-a regresses on 3.
	got = Regressions(kernels, []int{2}, kmods[:1], installs)
	want = []Regression{{Kmod: "kmod-a", Kernel: 2, Previous: 1, WorksOnPrevious: []int{0}, Builds: []int{0}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Regressions without the rebuild =\n%+v\nwant\n%+v", got, want)
	}

	// The rebuild is new: it fixes kmod-a on 3. A first build of a name
	// fixes nothing, however many kernels it installs on.
	fixes := Fixes(kernels, kmods, []int{1, 2}, installs)
	if want := []Fix{{Kmod: 1, Kernel: 2}}; !reflect.DeepEqual(fixes, want) {
		t.Errorf("Fixes = %+v, want %+v", fixes, want)
	}
}
