package repomd

import (
	"os"
	"testing"
)

func parseTestRepomd(tb testing.TB, path string) *RepoMD {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	md, err := ParseRepomd(data, path)
	if err != nil {
		tb.Fatal(err)
	}
	return md
}
