package repomd

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestReadRPMDir(t *testing.T) {
	dir := copyRPMFixtures(t)
	// Things that are not packages are passed over.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.rpm"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A link to a package is one (createrepo_c follows links too); a
	// dangling one is not.
	if err := os.Symlink(filepath.Join("..", "rc-noarch-0.9-1.noarch.rpm"), filepath.Join(dir, "sub", "zz-link.rpm")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("missing.rpm", filepath.Join(dir, "sub", "dangling.rpm")); err != nil {
		t.Fatal(err)
	}
	strs := NewStrings()
	repo, err := ReadRPMDir(context.Background(), "local", dir, strs)
	if err != nil {
		t.Fatal(err)
	}
	if repo.ID != "local" || repo.Strings != strs {
		t.Errorf("repo id %q, strings %p; want local, %p", repo.ID, repo.Strings, strs)
	}
	var locations []string
	for _, p := range repo.Packages {
		locations = append(locations, p.Location)
	}
	want := []string{
		"rc-deps-1.2-4.el9.src.rpm",
		"rc-deps-1.2-4.el9.x86_64.rpm",
		"rc-legacy-2.0-1.noarch.rpm",
		"rc-noarch-0.9-1.noarch.rpm",
		"rc-noarch-0.9-1.nosrc.rpm",
		"sub/payload/rc-payload-bzip2-1.0-1.noarch.rpm",
		"sub/payload/rc-payload-gzip-1.0-1.noarch.rpm",
		"sub/payload/rc-payload-xz-1.0-1.noarch.rpm",
		"sub/payload/rc-payload-zstd-1.0-1.noarch.rpm",
		"sub/zz-link.rpm",
	}
	if !slices.Equal(locations, want) {
		t.Errorf("locations:\n got  %q\n want %q", locations, want)
	}
	for _, p := range repo.Packages {
		single, err := ReadRPM(filepath.Join(dir, filepath.FromSlash(p.Location)), p.Location, strs)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(single, p) {
			t.Errorf("%s: ReadRPMDir's record differs from ReadRPM's", p.Location)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadRPMDir(ctx, "local", dir, strs); err == nil {
		t.Error("ReadRPMDir with a canceled context succeeded")
	}

	bad := filepath.Join(dir, "sub", "broken.rpm")
	if err := os.WriteFile(bad, []byte("not an rpm at all, but long enough to hold a lead of 96 bytes..........................................."), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRPMDir(context.Background(), "local", dir, strs); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadRPMDir with a broken package: error %v, want one naming %s", err, bad)
	}
	if _, err := ReadRPMDir(context.Background(), "local", filepath.Join(dir, "absent"), strs); err == nil {
		t.Error("ReadRPMDir of a missing folder succeeded")
	}
}
