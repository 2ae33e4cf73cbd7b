package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// TestIsTerminal: /dev/null is a character device but no terminal, and a
// buffer is neither; neither gets progress bars.
func TestIsTerminal(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	for _, w := range []io.Writer{devnull, &bytes.Buffer{}} {
		if isTerminal(w) {
			t.Errorf("%T is taken for a terminal", w)
		}
	}
	if newProgress(devnull, false) != nil {
		t.Error("progress bars on /dev/null")
	}
}

// TestProgressLine: one line per repository, naming the repository and the
// file being downloaded or parsed, with bytes and bytes/s.
func TestProgressLine(t *testing.T) {
	var out bytes.Buffer
	p := &progress{out: &out, bars: map[string]*pbBar{}}
	w := p.download("baseos", "repodata/6c8a0b2f3d9e4a1b7c5d2e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b-primary.xml.gz", 2048)
	w.Write(make([]byte, 1024))
	line := p.bars["baseos"].String()
	for _, want := range []string{"baseos", "download primary.xml.gz", "1.00 KiB / 2.00 KiB", "B/s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	p.parse("baseos", "parse repodata/6c8a0b2f3d9e4a1b7c5d2e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b-primary.xml.gz", 2048)
	p.download("appstream-long-name", "repodata/filelists.xml.zst", 10)
	if len(p.bars) != 2 {
		t.Errorf("%d lines for two repositories", len(p.bars))
	}
	line = p.bars["baseos"].String()
	for _, want := range []string{"baseos              ", "parse primary.xml.gz", "1.00 KiB / 4.00 KiB"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	p.stop()
}
