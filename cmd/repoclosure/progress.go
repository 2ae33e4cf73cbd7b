package main

import (
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/cheggaaa/pb/v3"
)

// progress draws one line per repository with pb/v3: the repository, the
// file being downloaded or parsed, bytes done of the bytes announced so far,
// and the speed in bytes/s. All bars share one pool, so that repositories
// loading in parallel do not garble the terminal.
type progress struct {
	out   io.Writer
	draw  bool // false: keep the lines, draw nothing (tests)
	mu    sync.Mutex
	pool  *pb.Pool
	bars  map[string]*pbBar // by repository id
	width int               // of the repository column
}

// newProgress returns nil (no bars) for -q, or unless out is a terminal that
// draws (not TERM=dumb).
func newProgress(out io.Writer, quiet bool) *progress {
	if quiet || !isTerminal(out) {
		return nil
	}
	return &progress{out: out, draw: true, bars: map[string]*pbBar{}}
}

// download is the Fetcher's Progress hook.
func (p *progress) download(repoID, name string, total int64) io.Writer {
	return p.step(repoID, "download "+shortName(name), total)
}

// parse is the Loader's Progress hook; name is "parse HREF".
func (p *progress) parse(repoID, name string, total int64) io.Writer {
	return p.step(repoID, "parse "+shortName(strings.TrimPrefix(name, "parse ")), total)
}

// step adds a file of total bytes to the repository's line and returns the
// writer that counts its bytes.
func (p *progress) step(repoID, what string, total int64) io.Writer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool == nil && p.draw {
		p.pool = pb.NewPool()
		p.pool.Output = p.out
		if err := p.pool.Start(); err != nil {
			p.pool = nil
			return nil
		}
	}
	bar := p.bars[repoID]
	if bar == nil {
		bar = pb.New64(0)
		bar.Set(pb.Bytes, true)
		bar.SetTemplateString(`{{string . "repo"}} {{string . "step"}} {{counters . }} {{bar . }} {{speed . "%s/s" "0 B/s"}}`)
		bar.SetWriter(p.out)
		p.bars[repoID] = bar
		if p.pool != nil {
			p.pool.Add(bar)
			bar.Start()
		}
		p.width = max(p.width, len(repoID))
		for id, b := range p.bars {
			b.Set("repo", fmt.Sprintf("%-*s", p.width, id))
		}
	}
	if total > 0 {
		bar.AddTotal(total)
	}
	bar.Set("step", fmt.Sprintf("%-28s", what))
	return barWriter{bar}
}

// stop ends drawing; the last frame stays on the terminal.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.bars {
		b.Set("step", fmt.Sprintf("%-28s", "done"))
		b.Finish()
	}
	if p.pool != nil {
		p.pool.Stop()
	}
}

// pbBar is pb's bar; the name keeps the bars map readable.
type pbBar = pb.ProgressBar

type barWriter struct{ bar *pb.ProgressBar }

func (w barWriter) Write(b []byte) (int, error) { w.bar.Add(len(b)); return len(b), nil }

// shortName drops the directory and createrepo_c's checksum prefix:
// ".../0a1b...-primary.xml.gz" becomes "primary.xml.gz".
func shortName(name string) string {
	base := path.Base(name)
	if i := strings.IndexByte(base, '-'); i >= 32 && strings.Trim(base[:i], "0123456789abcdef") == "" {
		return base[i+1:]
	}
	return base
}
