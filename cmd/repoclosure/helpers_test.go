package main

import (
	"os"
	"testing"
)

// requireDir skips (locally) or fails (in CI) when test data is missing.
func requireDir(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("test data missing: %v", err)
		}
		t.Skipf("test data missing: %v", err)
	}
}
