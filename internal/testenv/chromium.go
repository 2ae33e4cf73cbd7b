package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Browser runs headless Chromium, the oracle for the HTML pages: a test
// loads a page, lets its script run and reads the DOM it leaves, or looks at
// a screenshot. Each run has a fresh profile and nothing reaching the network
// on its own (no updates, sync or background requests).
type Browser struct {
	tb      testing.TB
	profile string
	// Width and Height are the window's size (default 1400 × 1000).
	Width, Height int
	// Budget is the virtual time the page's scripts get (default 3 s).
	Budget time.Duration
}

// Chromium returns a Browser for tb, calling Unavailable when chromium is
// not installed.
func Chromium(tb testing.TB) *Browser {
	tb.Helper()
	Require(tb, "chromium")
	return &Browser{tb: tb, profile: tb.TempDir()}
}

func (b *Browser) run(ctx context.Context, extra ...string) ([]byte, error) {
	w, h, budget := b.Width, b.Height, b.Budget
	if w == 0 || h == 0 {
		w, h = 1400, 1000
	}
	if budget == 0 {
		budget = 3 * time.Second
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(b.profile, "profile"),
		"--window-size=" + strconv.Itoa(w) + "," + strconv.Itoa(h),
		"--virtual-time-budget=" + strconv.Itoa(int(budget/time.Millisecond))}, extra...)
	cmd := CommandContext(ctx, b.tb, "chromium", args...)
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
func (b *Browser) DumpDOM(ctx context.Context, url string) (string, error) {
	out, err := b.run(ctx, "--dump-dom", url)
	return string(out), err
}

// Screenshot loads url and writes a PNG of the window to file.
func (b *Browser) Screenshot(ctx context.Context, url, file string) error {
	if _, err := b.run(ctx, "--screenshot="+file, url); err != nil {
		return err
	}
	if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
		return fmt.Errorf("chromium wrote no screenshot to %s (%v)", file, err)
	}
	return nil
}

// KeepScreenshot takes a screenshot of url as name.png, in $SCREENSHOT_DIR
// when set (to be looked at after the run) and else in a temporary folder
// of the test, logs its path and returns it; it fails the test when there
// is none.
func (b *Browser) KeepScreenshot(ctx context.Context, url, name string) string {
	b.tb.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = b.tb.TempDir()
	}
	png := filepath.Join(dir, name+".png")
	if err := b.Screenshot(ctx, url, png); err != nil {
		b.tb.Fatal(err)
	}
	b.tb.Logf("screenshot: %s", png)
	return png
}
