package repomd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadPayloadFiles(t *testing.T) {
	wantFiles := map[string][]byte{
		"/lib/modules/kabi-rc/kabi_stablelist_x86_64":          []byte("[rc]\n  printk\n  kmalloc\n"),
		"/lib/modules/kabi-rc/kabi_stablelist_x86_64.hardlink": []byte("[rc]\n  printk\n  kmalloc\n"),
		"/lib/modules/kabi-rc/kabi_stablelist_aarch64":         []byte("[rc]\n  printk\n"),
		"/lib/modules/kabi-rc/kabi_stablelist_empty":           {},
	}
	for _, comp := range []string{"gzip", "xz", "zstd", "bzip2"} {
		t.Run(comp, func(t *testing.T) {
			path := filepath.Join(rpmFixtureDir, "rc-payload-"+comp+"-1.0-1.noarch.rpm")
			var asked []string
			got, err := ReadPayloadFiles(path, func(name string) bool {
				asked = append(asked, name)
				return strings.Contains(name, "/kabi_stablelist_")
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, wantFiles) {
				t.Errorf("got %q\nwant %q", got, wantFiles)
			}
			// Only regular files are offered: not the folders nor the symlink.
			for _, name := range asked {
				if strings.HasSuffix(name, "kabi-rc") || strings.HasSuffix(name, "empty-dir") || strings.HasSuffix(name, "_current") {
					t.Errorf("match was asked about %s, which is not a regular file", name)
				}
			}
			// Asking for one link of a pair still gives its contents.
			one, err := ReadPayloadFiles(path, func(name string) bool { return strings.HasSuffix(name, "_x86_64") })
			if err != nil {
				t.Fatal(err)
			}
			if len(one) != 1 || string(one["/lib/modules/kabi-rc/kabi_stablelist_x86_64"]) != "[rc]\n  printk\n  kmalloc\n" {
				t.Errorf("one file: got %q", one)
			}
		})
	}
	none, err := ReadPayloadFiles(filepath.Join(rpmFixtureDir, "rc-deps-1.2-4.el9.x86_64.rpm"), func(string) bool { return false })
	if err != nil || len(none) != 0 {
		t.Errorf("no match: got %q, %v", none, err)
	}
	data, err := os.ReadFile(filepath.Join(rpmFixtureDir, "rc-payload-gzip-1.0-1.noarch.rpm"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.rpm")
	if err := os.WriteFile(cut, data[:len(data)-40], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPayloadFiles(cut, func(string) bool { return true }); err == nil || !strings.Contains(err.Error(), cut) {
		t.Errorf("truncated payload: error %v, want one naming %s", err, cut)
	}
	// A payload longer than the header says is not read to its end.
	small := filepath.Join(t.TempDir(), "small.rpm")
	if err := os.WriteFile(small, withSignatureNumber(t, withSignatureNumber(t, data, 1007, 100), 271, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPayloadFiles(small, func(string) bool { return true }); err == nil || !strings.Contains(err.Error(), "exceeds 100 bytes") {
		t.Errorf("payload over its recorded size: error %v", err)
	}
}
