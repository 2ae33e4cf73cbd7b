package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/repogen"
)

// TestRandomReposMatchDNF generates repositories (random names that collide,
// epochs, tildes, carets, missing releases, every operator, file deps,
// multilib, kernel(sym) = CRC provides and kmod-style requires, rich deps both
// semantics agree on) and requires our closure to equal dnf's for each seed.
// RANDOM_SEEDS=N runs more seeds than CI's default.
func TestRandomReposMatchDNF(t *testing.T) {
	dnforacle.Require(t)
	seeds := 8
	if s, err := strconv.Atoi(os.Getenv("RANDOM_SEEDS")); err == nil && s > 0 {
		seeds = s
	}
	for seed := int64(1); seed <= int64(seeds); seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "random")
			pkgs := repogen.NewRandomRepo(repogen.RandomConfig{Seed: seed, N: 150, RichDeps: true})
			if err := repogen.WriteRepo(dir, pkgs, repogen.Compression(seed%3)); err != nil {
				t.Fatal(err)
			}
			repos := []dnforacle.Repo{{Name: "random", Path: dir}}
			// The generator keeps to rich deps on which both semantics agree
			// when every package is available; --newest and best make some
			// leaves unavailable, where only dnf4's approximation is dnf's answer.
			got := compareWithDNF(t, repos, nil)
			if got.code != exitUnresolved {
				t.Logf("seed %d: closed (no unresolved deps)", seed)
			}
			compareWithDNF(t, repos, []string{"--newest"}, "--rich=dnf4")
			compareWithDNF(t, repos, []string{"--setopt=best=True", "--arch", "x86_64"}, "--rich=dnf4")
		})
	}
}
