package repomd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCachePath(t *testing.T) {
	root := "/var/cache/repoclosure"
	tests := []struct {
		repoID, name, want string
	}{
		{"baseos", "sha256-ab-primary.xml.gz", "/var/cache/repoclosure/baseos/sha256-ab-primary.xml.gz"},
		{"epel-next", repomdCacheName, "/var/cache/repoclosure/epel-next/repomd.xml"},
		{"..", "x", ""},
		{".", "x", ""},
		{"", "x", ""},
		{"a/b", "x", ""},
		{`a\b`, "x", ""},
		{"a", "../x", ""},
		{"a", "..", ""},
		{"a", "x\x00", ""},
	}
	for _, tt := range tests {
		got, err := cachePath(root, tt.repoID, tt.name)
		if tt.want == "" {
			if err == nil {
				t.Errorf("cachePath(%q, %q) = %q, want an error", tt.repoID, tt.name, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("cachePath(%q, %q) = %q, %v; want %q", tt.repoID, tt.name, got, err, tt.want)
		}
	}
}

func TestContentName(t *testing.T) {
	sum := strings.Repeat("0a", 32)
	long := strings.Repeat("x", 300) + "-primary.xml.zst"
	tests := []struct {
		checksum Checksum
		href     string
		want     string
	}{
		{Checksum{"sha256", sum}, "repodata/" + sum + "-primary.xml.gz", "sha256-" + sum + "-" + sum + "-primary.xml.gz"},
		{Checksum{"sha256", strings.ToUpper(sum)}, "repodata/comps.xml", "sha256-" + sum + "-comps.xml"},
		{Checksum{"sha1", strings.Repeat("b", 40)}, "primary.xml", "sha1-" + strings.Repeat("b", 40) + "-primary.xml"},
		// Too long for a file system: the basename loses its front, keeping
		// the suffix that tells the compression.
		{Checksum{"sha256", sum}, "repodata/" + long, "sha256-" + sum + "-" + long[len(long)-(maxCacheNameLen-72):]},
	}
	for _, tt := range tests {
		got, err := contentName(DataFile{Checksum: tt.checksum}, tt.href)
		if err != nil || got != tt.want {
			t.Errorf("contentName(%v, %q) = %q, %v; want %q", tt.checksum, tt.href, got, err, tt.want)
		}
		if len(got) > maxCacheNameLen {
			t.Errorf("name of %d bytes", len(got))
		}
	}
	for _, bad := range []Checksum{{}, {"sha256", "zz" + sum[2:]}, {"sha256", sum[2:]}, {"sha256", "../" + sum[3:]}, {"crc", "00"}} {
		if got, err := contentName(DataFile{Checksum: bad}, "x.xml"); err == nil {
			t.Errorf("contentName(%v) = %q, want an error", bad, got)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r", "metalink.xml")
	for _, content := range []string{"first version, longer", "second"} {
		if err := writeFileAtomic(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(p); err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	if files := cacheFiles(t, dir); len(files) != 1 {
		t.Errorf("directory holds %v, want only the file", files)
	}
	if err := writeFileAtomic(filepath.Join(p, "below-a-file"), []byte("x")); err == nil {
		t.Error("writing below a regular file succeeded")
	}
}

func TestLoadRepomdIgnoresMismatchedMeta(t *testing.T) {
	f := &Fetcher{CacheDir: t.TempDir()}
	c := &cachedRepomd{body: []byte("<repomd/>"), meta: repomdMeta{Mirror: "http://m/", ETag: `"1"`}}
	if err := f.storeRepomd("r", c); err != nil {
		t.Fatal(err)
	}
	got := f.loadRepomd("r")
	if got == nil || string(got.body) != "<repomd/>" || got.meta.ETag != `"1"` || got.meta.Mirror != "http://m/" {
		t.Fatalf("loadRepomd = %+v", got)
	}
	// Another process replaced the body but not (yet) the meta file: the
	// ETag no longer describes the body and must not be sent.
	if err := os.WriteFile(filepath.Join(f.CacheDir, "r", repomdCacheName), []byte("<repomd>2</repomd>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := f.loadRepomd("r"); got != nil {
		t.Errorf("loadRepomd with a mismatched meta file = %+v, want nil", got)
	}
	if got := (&Fetcher{}).loadRepomd("r"); got != nil {
		t.Errorf("loadRepomd without a cache = %+v", got)
	}
}
