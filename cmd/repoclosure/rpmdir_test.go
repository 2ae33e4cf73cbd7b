package main

import (
	"path/filepath"
	"testing"
)

// TestFixturesLoadAlikeFromRPMs: each fixture repository (gz, xz and zstd
// metadata written by createrepo_c) loads into the same records as its
// folder of .rpm files read directly.
func TestFixturesLoadAlikeFromRPMs(t *testing.T) {
	for _, name := range []string{"base", "extra", "rich", "kernels", "kmods"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", "fixtures", "repos", name)
			requireDir(t, dir)
			fromRepodata := dumpJSON(t, name, dir)
			fromRPMs := dumpJSON(t, name, filepath.Join(dir, "Packages"))
			if len(fromRepodata) == 0 || len(fromRepodata) != len(fromRPMs) {
				t.Fatalf("%d packages from repodata, %d from .rpm files", len(fromRepodata), len(fromRPMs))
			}
			for nevra, a := range fromRepodata {
				b, ok := fromRPMs[nevra]
				if !ok {
					t.Errorf("%s: only in repodata", nevra)
					continue
				}
				// createrepo_c records hrefs relative to the repo root; the
				// folder read records them relative to Packages/.
				if a.Location != "Packages/"+b.Location {
					t.Errorf("%s: location %q vs %q", nevra, a.Location, b.Location)
				}
				a.Location, b.Location = "", ""
				if !dumpEqual(a, b) {
					t.Errorf("%s differs:\nrepodata %+v\nrpm      %+v", nevra, a, b)
				}
				if len(a.PkgID) != 64 {
					t.Errorf("%s: pkgid %q is not a sha256", nevra, a.PkgID)
				}
			}
		})
	}
}
