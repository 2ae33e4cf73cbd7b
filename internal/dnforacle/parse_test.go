package dnforacle

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// sampleOutput is what dnf 4.14 printed for a fixture repository.
const sampleOutput = `package: kmod-future-1.0-1.el8.x86_64 from kmods
  unresolved deps (2):
    kernel(printk) = 0xdeadbeef
    kernel >= 4.18.0-400.el8
package: r-with-split-1.0-1.noarch from rich
  unresolved deps (1):
    (have-a with have-b)
package: epochy-1:2.0-1.noarch from base
  unresolved deps (3):
    missing-epoch >= 2:1.0
    /usr/bin/missingtool
    libmissing.so.1()(64bit)
`

func TestParseOutput(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    map[string][]string
		wantErr string
	}{
		{name: "empty", out: "", want: map[string][]string{}},
		{
			name: "sample",
			out:  sampleOutput,
			want: map[string][]string{
				"kmod-future-1.0-1.el8.x86_64 from kmods": {"kernel >= 4.18.0-400.el8", "kernel(printk) = 0xdeadbeef"},
				"r-with-split-1.0-1.noarch from rich":     {"(have-a with have-b)"},
				"epochy-1:2.0-1.noarch from base":         {"/usr/bin/missingtool", "libmissing.so.1()(64bit)", "missing-epoch >= 2:1.0"},
			},
		},
		{
			name: "no trailing newline",
			out:  "package: a-1-1.noarch from r\n  unresolved deps (1):\n    b",
			want: map[string][]string{"a-1-1.noarch from r": {"b"}},
		},
		{
			name: "same package name from two repos",
			out: "package: d-1-1.noarch from base\n  unresolved deps (1):\n    x\n" +
				"package: d-1-1.noarch from extra\n  unresolved deps (1):\n    x\n",
			want: map[string][]string{"d-1-1.noarch from base": {"x"}, "d-1-1.noarch from extra": {"x"}},
		},
		{
			name:    "fewer deps than counted",
			out:     "package: a-1-1.noarch from r\n  unresolved deps (2):\n    b\n",
			wantErr: "header says 2 unresolved deps, 1 listed",
		},
		{
			name:    "more deps than counted",
			out:     "package: a-1-1.noarch from r\n  unresolved deps (1):\n    b\n    c\n",
			wantErr: "header says 1 unresolved deps, 2 listed",
		},
		{
			name:    "missing count line",
			out:     "package: a-1-1.noarch from r\n    b\n",
			wantErr: "line 2: want",
		},
		{
			name:    "output ends after package line",
			out:     "package: a-1-1.noarch from r\n",
			wantErr: "output ends after",
		},
		{
			name:    "count not a number",
			out:     "package: a-1-1.noarch from r\n  unresolved deps (x):\n    b\n",
			wantErr: "bad count",
		},
		{
			name:    "zero count",
			out:     "package: a-1-1.noarch from r\n  unresolved deps (0):\n",
			wantErr: "bad count",
		},
		{
			name:    "package line without repo",
			out:     "package: a-1-1.noarch\n  unresolved deps (1):\n    b\n",
			wantErr: "line 1: want",
		},
		{
			name:    "stray line",
			out:     "Last metadata expiration check: 0:00:01 ago\n",
			wantErr: "line 1: want",
		},
		{
			name:    "empty dep",
			out:     "package: a-1-1.noarch from r\n  unresolved deps (1):\n    \n",
			wantErr: "line 3: empty dependency",
		},
		{
			name: "package listed twice",
			out: "package: a-1-1.noarch from r\n  unresolved deps (1):\n    b\n" +
				"package: a-1-1.noarch from r\n  unresolved deps (1):\n    c\n",
			wantErr: "line 4: package \"a-1-1.noarch from r\" listed twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOutput(tt.out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseOutput error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseOutput: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseOutput = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResultCheck(t *testing.T) {
	const twoPkgs = "package: a-1-1.noarch from r\n  unresolved deps (2):\n    x\n    y\n" +
		"package: b-1-1.noarch from r\n  unresolved deps (1):\n    z\n"
	tests := []struct {
		name    string
		res     Result
		wantErr string
	}{
		{name: "closed", res: Result{}},
		{
			name: "unresolved with matching summary",
			res: Result{ExitCode: 1, Stdout: twoPkgs,
				Stderr: "Error: Repoclosure ended with unresolved dependencies (3) across 2 packages.\n"},
		},
		{
			name: "summary disagrees",
			res: Result{ExitCode: 1, Stdout: twoPkgs,
				Stderr: "Error: Repoclosure ended with unresolved dependencies (4) across 2 packages.\n"},
			wantErr: "stderr reports 4 deps across 2 packages, stdout lists 3 across 2",
		},
		{
			name:    "other dnf failure",
			res:     Result{ExitCode: 1, Stderr: "Error: no package matched: nosuchpkg\n"},
			wantErr: "exit code 1: Error: no package matched: nosuchpkg",
		},
		{
			name:    "success exit with unresolved output",
			res:     Result{Stdout: twoPkgs},
			wantErr: "exit code 0 but 2 packages",
		},
		{
			name:    "unparsable stdout",
			res:     Result{ExitCode: 1, Stdout: "garbage\n"},
			wantErr: "parsing stdout",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.res.check()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("check error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// render prints unresolved the way dnf does, packages and deps sorted.
func render(unresolved map[string][]string) string {
	var b strings.Builder
	pkgs := make([]string, 0, len(unresolved))
	for p := range unresolved {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		fmt.Fprintf(&b, "package: %s\n  unresolved deps (%d):\n", p, len(unresolved[p]))
		for _, d := range unresolved[p] {
			fmt.Fprintf(&b, "    %s\n", d)
		}
	}
	return b.String()
}

func FuzzParseOutput(f *testing.F) {
	f.Add(sampleOutput)
	f.Add("")
	f.Add("package: a-1-1.noarch from r\n  unresolved deps (1):\n    b")
	f.Add("package: a-1-1.noarch from r\n  unresolved deps (2):\n    b\n")
	f.Add("package: a from r\n  unresolved deps (99999999999999999999):\n")
	f.Add("package:  from \n  unresolved deps (1):\n     \n")
	f.Fuzz(func(t *testing.T, out string) {
		got, err := parseOutput(out)
		if err != nil {
			return
		}
		for pkg, deps := range got {
			if len(deps) == 0 || !slices.IsSorted(deps) {
				t.Fatalf("package %q: deps %q are empty or unsorted", pkg, deps)
			}
		}
		// What parses must survive a round trip through dnf's format.
		again, err := parseOutput(render(got))
		if err != nil {
			t.Fatalf("reparsing rendered output: %v", err)
		}
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("round trip changed %q into %q", got, again)
		}
	})
}

func BenchmarkParseOutput(b *testing.B) {
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "package: kmod-%d-1.0-1.el8.x86_64 from kmods\n  unresolved deps (3):\n", i)
		fmt.Fprintf(&sb, "    kernel(sym_%d) = 0x%08x\n    kernel >= 4.18.0-%d.el8\n    /usr/sbin/depmod\n", i, i*7919, i)
	}
	out := sb.String()
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseOutput(out); err != nil {
			b.Fatal(err)
		}
	}
}
