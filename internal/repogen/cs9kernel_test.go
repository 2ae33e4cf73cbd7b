package repogen

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// packageBlocks splits primary.xml into its <package>...</package> blocks.
func packageBlocks(primary []byte) [][]byte {
	var out [][]byte
	start, end := []byte(`<package type="rpm">`), []byte("</package>")
	for {
		i := bytes.Index(primary, start)
		if i < 0 {
			return out
		}
		j := bytes.Index(primary[i:], end)
		if j < 0 {
			return out
		}
		out = append(out, primary[i:i+j+len(end)])
		primary = primary[i+j+len(end):]
	}
}

// TestCS9KernelTestdata checks testdata/cs9-kernel against its
// PROVENANCE.md: checksums and sizes as repomd.xml says, the seven packages,
// the kernel(...) counts SOURCES.md gives, and blocks identical to the real
// BaseOS metadata they were copied from.
func TestCS9KernelTestdata(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "cs9-kernel")
	primaryData := readMetadata(t, dir, "primary")
	var primary primaryXML
	if err := xml.Unmarshal(primaryData, &primary); err != nil {
		t.Fatalf("primary: %v", err)
	}
	wantNames := []string{"bash", "kernel", "kernel-core", "kernel-modules", "kernel-modules-extra", "kmod", "kmod-kvdo"}
	var names []string
	symbols := map[string]int{}
	for _, p := range primary.Package {
		names = append(names, p.Name)
		for _, e := range p.Format.Provides {
			if strings.HasPrefix(e.Name, "kernel(") && crcRE.MatchString(e.Ver) {
				symbols[p.Name]++
			}
		}
	}
	if primary.Packages != len(wantNames) || !slices.Equal(names, wantNames) {
		t.Errorf("primary says packages=%d and holds %q, want %d: %q", primary.Packages, names, len(wantNames), wantNames)
	}
	// SOURCES.md: kernel-core has 16,283 kernel(...) provides, kernel-modules 4,507, kernel-modules-extra 29.
	if want := map[string]int{"kernel-core": 16283, "kernel-modules": 4507, "kernel-modules-extra": 29}; !maps.Equal(symbols, want) {
		t.Errorf("kernel(...) provides per package = %v, want %v", symbols, want)
	}

	var filelists filelistsXML
	if err := xml.Unmarshal(readMetadata(t, dir, "filelists"), &filelists); err != nil {
		t.Fatalf("filelists: %v", err)
	}
	if filelists.Packages != len(wantNames) || len(filelists.Package) != len(wantNames) {
		t.Fatalf("filelists says packages=%d and holds %d, want %d", filelists.Packages, len(filelists.Package), len(wantNames))
	}
	for i, p := range filelists.Package {
		if p.PkgID != primary.Package[i].Checksum || p.Name != wantNames[i] || len(p.Files) != 0 {
			t.Errorf("filelists package %d = %s %s with %d files; want %s %s with none", i, p.PkgID, p.Name, len(p.Files), primary.Package[i].Checksum, wantNames[i])
		}
	}

	src := testenv.SharedData(t, "cs9", "baseos", "repodata",
		"130494033cb9bffa40828ebc814d016920d9ce5d60041467af283ffcf38adef0-primary.xml.gz")
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	real, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	realBlocks := packageBlocks(real)
	ours := packageBlocks(primaryData)
	if len(ours) != len(wantNames) {
		t.Fatalf("%d package blocks, want %d", len(ours), len(wantNames))
	}
	for i, b := range ours {
		if !slices.ContainsFunc(realBlocks, func(r []byte) bool { return bytes.Equal(r, b) }) {
			t.Errorf("block %d (%s) is not verbatim from %s", i, wantNames[i], src)
		}
	}
}
