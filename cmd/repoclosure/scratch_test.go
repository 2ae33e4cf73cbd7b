package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/repoclosure/repoclosure/internal/dnforacle"
	"github.com/repoclosure/repoclosure/internal/testenv"
)

// imageSpec is what the Dockerfile's final stage sets: the environment and
// the user the entrypoint runs as.
type imageSpec struct {
	env []string
	uid uint32
}

// readDockerfile reads the final (FROM scratch) stage of the Dockerfile, so
// that the test runs the binary as the image would.
func readDockerfile(t *testing.T) imageSpec {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	_, final, ok := strings.Cut(string(data), "\nFROM scratch\n")
	if !ok {
		t.Fatal("Dockerfile: no FROM scratch stage")
	}
	var spec imageSpec
	user := false
	for _, line := range strings.Split(final, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 1 && f[0] == "ENV":
			spec.env = append(spec.env, f[1:]...)
		case len(f) == 2 && f[0] == "USER":
			uid, err := strconv.ParseUint(strings.Split(f[1], ":")[0], 10, 32)
			if err != nil {
				t.Fatalf("Dockerfile: USER %s: %v", f[1], err)
			}
			spec.uid, user = uint32(uid), true
		}
	}
	if !user || spec.uid == 0 || !strings.Contains(final, `ENTRYPOINT ["repoclosure"]`) {
		t.Fatalf("Dockerfile's final stage: want a non-root USER and ENTRYPOINT [\"repoclosure\"]:\n%s", final)
	}
	return spec
}

// TestScratchRoot tests the container image's premise without a container
// engine: a root holding only what the Dockerfile copies into the scratch
// image (the static binary, a CA bundle, an empty /tmp), no /etc/yum.repos.d,
// no dnf, no libc, entered with chroot as the image's non-root user, with the
// image's environment. There repoclosure reads a repository served over
// HTTPS on loopback (its certificate in the CA bundle) and must print what
// dnf prints for that repository, with dnf's exit code.
func TestScratchRoot(t *testing.T) {
	dnforacle.Require(t)
	repo := fixture("base")
	want, err := dnforacle.Run(context.Background(), []dnforacle.Repo{repo})
	if err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewTLSServer(http.FileServer(http.Dir(repo.Path)))
	defer srv.Close()
	root := scratchRoot(t, srv)

	image := readDockerfile(t)
	var stdout, stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path:   "/usr/local/bin/repoclosure", // inside the root
		Args:   []string{"repoclosure", "--repofrompath", repo.Name + "," + srv.URL + "/", "--repo", repo.Name, "--forcearch", "x86_64"},
		Env:    image.env,
		Dir:    "/",
		Stdout: &stdout,
		Stderr: &stderr,
		SysProcAttr: &syscall.SysProcAttr{
			Chroot:     root,
			Credential: &syscall.Credential{Uid: image.uid, Gid: image.uid},
		},
	}
	if os.Geteuid() != 0 {
		// Not root: a user namespace maps the image's user to ours and
		// grants chroot inside it.
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: int(image.uid), HostID: os.Geteuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: int(image.uid), HostID: os.Getegid(), Size: 1}}
	}
	err = cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		// The process did not start: no chroot here (not root, user
		// namespaces disabled).
		testenv.Unavailable(t, "cannot enter the scratch root (needs root or user namespaces): %v", err)
	}

	got, perr := dnforacle.Parse(stdout.String())
	if perr != nil {
		t.Fatalf("output does not parse as dnf's: %v\nstdout:\n%s\nstderr:\n%s", perr, stdout.String(), stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != want.ExitCode {
		t.Errorf("exit code %d, dnf %d; stderr:\n%s", code, want.ExitCode, stderr.String())
	}
	if !reflect.DeepEqual(got, want.Unresolved) {
		t.Errorf("unresolved deps differ from dnf's:\nours %v\ndnf  %v", got, want.Unresolved)
	}
	if g, w := packageLines(stdout.String()), packageLines(want.Stdout); !reflect.DeepEqual(g, w) || len(g) == 0 {
		t.Errorf("package lines differ:\nours %q\ndnf  %q", g, w)
	}
	if g, w := summaryLine.FindString(stderr.String()), summaryLine.FindString(want.Stderr); g != w || g == "" {
		t.Errorf("summary line: ours %q, dnf %q", g, w)
	}
	// The metadata went through the cache under the image's XDG_CACHE_HOME,
	// owned by the image's user.
	cacheHome := ""
	for _, kv := range image.env {
		if v, ok := strings.CutPrefix(kv, "XDG_CACHE_HOME="); ok {
			cacheHome = v
		}
	}
	cached, _ := filepath.Glob(filepath.Join(root, cacheHome, "repoclosure", repo.Name, "*primary*"))
	if cacheHome == "" || len(cached) == 0 {
		t.Errorf("no primary metadata cached under XDG_CACHE_HOME %q/repoclosure/%s in the root", cacheHome, repo.Name)
	} else if st, err := os.Stat(cached[0]); err != nil || st.Sys().(*syscall.Stat_t).Uid != image.uid && os.Geteuid() == 0 {
		t.Errorf("cached file %s not owned by the image's user: %v", cached[0], err)
	}
}

// scratchRoot lays out what the Dockerfile puts in the image: the binary in
// /usr/local/bin, a CA bundle (here srv's certificate) and a sticky /tmp.
func scratchRoot(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil { // the image's / is world-readable
		t.Fatal(err)
	}
	install := func(rel string, data []byte, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	bin, err := os.ReadFile(buildBinary(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	install("usr/local/bin/repoclosure", bin, 0o755)
	install("etc/ssl/certs/ca-certificates.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	if err := os.Mkdir(filepath.Join(root, "tmp"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}

	return root
}
