package main

import (
	"bytes"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A cached metadata file that differs from what repomd.xml says (same size,
// other bytes) is fetched again, never read as the repository; offline it is
// an error, not a closed repository.
func TestCachedMetadataReverified(t *testing.T) {
	srv := httptest.NewServer(http.FileServer(http.Dir(fixtureDir("base"))))
	defer srv.Close()
	cache := t.TempDir()
	args := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", cache, "--repofrompath", "b," + srv.URL}
	code, want, stderr := runCLI(t, args...)
	if code != exitUnresolved || want == "" {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	primaries, _ := filepath.Glob(filepath.Join(cache, "b", "*primary*"))
	if len(primaries) != 1 {
		t.Fatalf("cached primaries: %v", primaries)
	}
	corrupt := func() {
		data, err := os.ReadFile(primaries[0])
		if err != nil {
			t.Fatal(err)
		}
		// A valid gzip of other, same-size content would be worse still; an
		// all-zero file of the same size is enough to show the size check
		// alone does not do.
		if err := os.WriteFile(primaries[0], make([]byte, len(data)), 0o644); err != nil {
			t.Fatal(err)
		}
		// The warm snapshot would answer without reading the primary at
		// all: remove it so that the cached file itself is used.
		if err := os.RemoveAll(filepath.Join(cache, "snapshots")); err != nil {
			t.Fatal(err)
		}
	}
	corrupt()
	if code, got, stderr := runCLI(t, args...); code != exitUnresolved || got != want {
		t.Errorf("after a same-size corruption: exit %d, %s\n%s\nwant\n%s", code, stderr, got, want)
	}
	corrupt()
	code, _, stderr = runCLI(t, append(args, "-C")...)
	if code != exitError || !strings.Contains(stderr, "cached copy is bad") {
		t.Errorf("offline over a corrupt cache: exit %d, %s", code, stderr)
	}
}

// An error page served as repomd.xml with 200 fails the run and is not
// cached, so a later offline run does not trust it either.
func TestRepomdErrorPageNotCached(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html><body>503 Service Unavailable</body></html>")
	}))
	defer srv.Close()
	cache := t.TempDir()
	args := []string{"-q", "--setopt=reposdir=/nonexistent", "--cachedir", cache, "--repofrompath", "b," + srv.URL}
	if code, _, stderr := runCLI(t, args...); code != exitError || !strings.Contains(stderr, "repomd") {
		t.Errorf("error page: exit %d, %s", code, stderr)
	}
	code, _, stderr := runCLI(t, append(args, "-C")...)
	if code != exitError || !strings.Contains(stderr, "not cached") {
		t.Errorf("offline after the error page: exit %d, %s", code, stderr)
	}
}

// sslverify and sslcacert, from a .repo file or --setopt, reach the
// download; without them a self-signed server is a certificate error.
func TestRepoTLSOptions(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.FileServer(http.Dir(fixtureDir("base"))))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshakes are the point
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	_, want, _ := runCLI(t, "-q", "--setopt=reposdir=/nonexistent", "--cachedir", t.TempDir(), "--repofrompath", "b,"+fixtureDir("base"))

	writeRepo := func(extra string) string {
		d := t.TempDir()
		os.WriteFile(filepath.Join(d, "b.repo"), []byte("[b]\nbaseurl="+srv.URL+"\n"+extra), 0o644)
		return d
	}
	tests := []struct {
		name    string
		reposd  string
		setopt  []string
		wantErr bool
	}{
		{"no options", writeRepo(""), nil, true},
		{"sslcacert in .repo", writeRepo("sslcacert=" + ca + "\n"), nil, false},
		{"sslverify=0 in .repo", writeRepo("sslverify=0\n"), nil, false},
		{"--setopt b.sslcacert", writeRepo(""), []string{"--setopt=b.sslcacert=" + ca}, false},
		{"--setopt sslverify=0", writeRepo(""), []string{"--setopt=sslverify=0"}, false},
	}
	for _, tt := range tests {
		args := append([]string{"-q", "--setopt=reposdir=" + tt.reposd, "--cachedir", t.TempDir()}, tt.setopt...)
		code, got, stderr := runCLI(t, args...)
		switch {
		case tt.wantErr && (code != exitError || !strings.Contains(stderr, "certificate") || strings.Contains(stderr, "retrying")):
			t.Errorf("%s: exit %d, %s; want a certificate error, not retried", tt.name, code, stderr)
		case !tt.wantErr && (code != exitUnresolved || !bytes.Equal([]byte(got), []byte(want))):
			t.Errorf("%s: exit %d, %s\n%s", tt.name, code, stderr, got)
		}
	}
}
