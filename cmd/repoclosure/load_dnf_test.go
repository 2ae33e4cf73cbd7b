package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// dumpJSON runs `repoclosure dump --json` on one repository location and
// returns the records by NEVRA.
func dumpJSON(t *testing.T, id, location string) map[string]packageDump {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"dump", "-q", "--json", "--setopt=reposdir=/nonexistent",
		"--cachedir", t.TempDir(), "--repofrompath", id + "," + location}, &stdout, &stderr)
	if code != exitClosed {
		t.Fatalf("dump %s: exit %d: %s", location, code, stderr.String())
	}
	out := map[string]packageDump{}
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var p packageDump
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		out[p.NEVRA] = p
	}
	return out
}

// TestLoadCS9Everywhere loads the real CentOS Stream 9 BaseOS and AppStream
// from a path, from file:// and over HTTP (loopback), requires the same
// records each way, and compares a sample with what `dnf repoquery` reports.
func TestLoadCS9Everywhere(t *testing.T) {
	root := testenv.SharedData(t, "cs9")
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	wantCount := map[string]int{"baseos": 1125, "appstream": 17649}
	loaded := map[string]map[string]packageDump{}
	for _, repo := range []string{"baseos", "appstream"} {
		dir := filepath.Join(root, repo)
		fromPath := dumpJSON(t, repo, dir)
		if len(fromPath) != wantCount[repo] {
			t.Errorf("%s: %d packages, want %d", repo, len(fromPath), wantCount[repo])
		}
		for _, loc := range []string{"file://" + dir, srv.URL + "/" + repo} {
			other := dumpJSON(t, repo, loc)
			if len(other) != len(fromPath) {
				t.Errorf("%s from %s: %d packages, from a path %d", repo, loc, len(other), len(fromPath))
			}
			for nevra, p := range fromPath {
				if q := other[nevra]; !dumpEqual(p, q) {
					t.Errorf("%s from %s differs from a path load for %s", repo, loc, nevra)
					break
				}
			}
		}
		loaded[repo] = fromPath
	}

	dnforacle.Require(t)
	samples := map[string][]string{
		"baseos":    {"bash-5.1.8-2.el9.x86_64", "kernel-core-5.14.0-55.el9.x86_64", "ModemManager-1.18.2-3.el9.x86_64", "systemd-249-9.el9.x86_64", "glibc-2.34-21.el9.x86_64", "openssl-libs-1:3.0.1-5.el9.x86_64"},
		"appstream": {"389-ds-base-2.5.1-1.el9.x86_64", "httpd-2.4.62-1.el9.x86_64", "nodejs-1:16.20.2-8.el9.x86_64"},
	}
	for repo, nevras := range samples {
		repos := []dnforacle.Repo{{Name: repo, Path: filepath.Join(root, repo)}}
		for _, nevra := range nevras {
			p, ok := loaded[repo][nevra]
			if !ok {
				t.Errorf("%s: %s not loaded", repo, nevra)
				continue
			}
			for _, q := range []struct {
				flag string
				ours []string
			}{
				{"--provides", depSet(p.Deps["provides"])},
				{"--requires", depSet(p.Deps["requires"])},
				{"-l", fileSet(p.Files)},
			} {
				out, err := dnforacle.Repoquery(context.Background(), repos, q.flag, nevra)
				if err != nil {
					t.Fatal(err)
				}
				dnf := lineSet(out)
				if q.flag == "--provides" {
					// libsolv adds the self-provide name = evr when createrepo_c did not write it.
					self := p.Name + " = " + p.EVR
					if !slices.Contains(q.ours, self) {
						q.ours = lineSet(strings.Join(append(q.ours, self), "\n"))
					}
				}
				if !slices.Equal(q.ours, dnf) {
					t.Errorf("%s %s: ours %d entries, dnf %d\nours only: %q\ndnf only: %q", q.flag, nevra, len(q.ours), len(dnf), minus(q.ours, dnf), minus(dnf, q.ours))
				}
			}
		}
	}
}

func dumpEqual(a, b packageDump) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// depSet drops dump's " [pre]" marks (dnf lists a dep once) and sorts.
func depSet(deps []string) []string {
	var out []string
	for _, d := range deps {
		out = append(out, strings.TrimSuffix(d, " [pre]"))
	}
	return lineSet(strings.Join(out, "\n"))
}

// fileSet drops dump's kind marks.
func fileSet(files []string) []string {
	var out []string
	for _, f := range files {
		f = strings.TrimSuffix(strings.TrimSuffix(f, " [dir]"), " [ghost]")
		out = append(out, f)
	}
	return lineSet(strings.Join(out, "\n"))
}

// lineSet returns the distinct non-empty lines, sorted.
func lineSet(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
