package dnforacle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Headless Chromium is the oracle for the HTML pages: the tests load a page,
// let its script run and read the DOM it leaves, or look at a screenshot.
// It lives beside dnf's runner so that the tools the tests run are found,
// skipped and reported in one place.

// RequireChromium returns the path of Debian's chromium, or skips t (fails
// it when CI is set) naming the missing package.
func RequireChromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (apt-get install chromium); CI must run the browser test")
	}
	t.Skip("chromium is not installed (apt-get install chromium): skipping the browser test")
	return ""
}

// Browser runs headless Chromium on a page, with a fresh profile and nothing
// reaching the network on its own (no updates, sync or background requests).
type Browser struct {
	Path    string // from RequireChromium
	Profile string // a directory for the throw-away profile
	// Width and Height are the window's size (default 1400 × 1000).
	Width, Height int
	// Budget is the virtual time the page's scripts get (default 3 s).
	Budget time.Duration
}

func (b Browser) args(extra ...string) []string {
	w, h, budget := b.Width, b.Height, b.Budget
	if w == 0 || h == 0 {
		w, h = 1400, 1000
	}
	if budget == 0 {
		budget = 3 * time.Second
	}
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(b.Profile, "profile"),
		"--window-size=" + strconv.Itoa(w) + "," + strconv.Itoa(h),
		"--virtual-time-budget=" + strconv.Itoa(int(budget/time.Millisecond))}, extra...)
}

func (b Browser) run(ctx context.Context, args []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.Path, args...)
	// Chromium's helper processes inherit stdout: on a time-out, stop
	// waiting for them soon after the browser itself is killed.
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("chromium %v: %w\n%s", args, err, stderr.String())
	}
	return out, nil
}

// DumpDOM loads url and returns the DOM as serialized once the page's
// scripts have run.
func (b Browser) DumpDOM(ctx context.Context, url string) (string, error) {
	out, err := b.run(ctx, b.args("--dump-dom", url))
	return string(out), err
}

// Screenshot loads url and writes a PNG of the window to file.
func (b Browser) Screenshot(ctx context.Context, url, file string) error {
	if _, err := b.run(ctx, b.args("--screenshot="+file, url)); err != nil {
		return err
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		return fmt.Errorf("chromium wrote no screenshot to %s (%v)", file, err)
	}
	return nil
}
