package main

import (
	"os"
	"testing"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// requireDir skips (locally) or fails (in CI) when test data is missing.
func requireDir(t testing.TB, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		testenv.Unavailable(t, "test data missing: %v", err)
	}
}
