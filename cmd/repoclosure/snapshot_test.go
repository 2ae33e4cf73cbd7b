package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSnapshotBeforeExit: the snapshot a cold run writes in the background
// is complete when run returns (main exits right after), and the warm run
// that reads it answers the same.
func TestSnapshotBeforeExit(t *testing.T) {
	cache := t.TempDir()
	args := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", cache, "--forcearch", "x86_64",
		"--repofrompath", "base," + fixtureDir("base"), "--repofrompath", "kernels," + fixtureDir("kernels"), "--repo", "base,kernels"}
	code, cold, stderr := runCLI(t, args...)
	if code != exitClosed && code != exitUnresolved {
		t.Fatalf("cold run: exit %d: %s", code, stderr)
	}
	entries, err := os.ReadDir(filepath.Join(cache, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "snapshot-") {
		t.Fatalf("snapshots after the cold run: %v, want one complete file", entries)
	}
	if code2, warm, stderr := runCLI(t, args...); code2 != code || warm != cold {
		t.Errorf("warm run: exit %d, %s\n%s\nwant exit %d\n%s", code2, stderr, warm, code, cold)
	}
}
