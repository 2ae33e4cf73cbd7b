package main

import (
	"io"
	"os"
	"path"
	"strings"
	"sync"

	"github.com/cheggaaa/pb/v3"
)

// progress draws one bar per download with pb/v3, all in one pool so that
// repositories loading in parallel do not garble the terminal. It draws only
// on a terminal; -q turns it off.
type progress struct {
	mu   sync.Mutex
	pool *pb.Pool
	out  *os.File
}

// newProgress returns nil (no bars) unless out is a terminal.
func newProgress(out *os.File, quiet bool) *progress {
	if quiet || !isTerminal(out) {
		return nil
	}
	return &progress{out: out}
}

// bar is the Fetcher's Progress hook.
func (p *progress) bar(name string, total int64) io.Writer {
	bar := pb.New64(total)
	bar.Set(pb.Bytes, true)
	bar.Set("prefix", shortName(name)+" ")
	bar.SetTemplateString(`{{string . "prefix"}}{{counters . }} {{bar . }} {{speed . }}`)
	bar.SetWriter(p.out)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool == nil {
		p.pool = pb.NewPool()
		p.pool.Output = p.out
		if err := p.pool.Start(); err != nil {
			p.pool = nil
			return nil
		}
	}
	p.pool.Add(bar)
	bar.Start()
	return barWriter{bar}
}

// stop ends drawing; the last frame stays on the terminal.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		p.pool.Stop()
	}
}

type barWriter struct{ bar *pb.ProgressBar }

func (w barWriter) Write(b []byte) (int, error) { w.bar.Add(len(b)); return len(b), nil }
func (w barWriter) Close() error                { w.bar.Finish(); return nil }

// shortName drops the directory and createrepo_c's checksum prefix:
// ".../0a1b...-primary.xml.gz" becomes "primary.xml.gz" ("parse .../x"
// keeps its verb).
func shortName(name string) string {
	verb, name, ok := strings.Cut(name, " ")
	if !ok {
		verb, name = "", verb
	} else {
		verb += " "
	}
	base := path.Base(name)
	if i := strings.IndexByte(base, '-'); i >= 32 && strings.Trim(base[:i], "0123456789abcdef") == "" {
		return verb + base[i+1:]
	}
	return verb + base
}
