package repomd

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// DefaultDecompressLimit caps decompressed metadata when repomd.xml gives no
// open-size. The largest real primary.xml files (kernel-heavy repositories)
// are a few hundred MB, so 4 GiB only stops decompression bombs.
const DefaultDecompressLimit int64 = 4 << 30

// zstdMaxWindow is libzstd's default window limit for decoding (window log
// 27), so we accept exactly the frames that dnf (through librepo and
// libzstd) accepts, and a hostile frame cannot make us reserve 512 MiB.
const zstdMaxWindow = 1 << 27

// Sizes of the chunks a decoder goroutine hands to the reader: several, so
// that the decoder keeps working while the parser consumes earlier ones.
const (
	asyncChunkSize  = 256 << 10
	asyncChunkCount = 4
)

// SizeLimitError reports decompressed content longer than the allowed limit.
type SizeLimitError struct {
	Name  string // file or URL
	Limit int64
}

func (e *SizeLimitError) Error() string {
	return fmt.Sprintf("%s: decompressed size exceeds %d bytes", e.Name, e.Limit)
}

// Decompress returns a reader of the decompressed content of r, choosing the
// codec by magic bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd,
// bzip2 "BZh", else plain), not by file name suffix, since mirrors and
// caches rename files. Concatenated streams (gzip members, xz streams, bzip2
// streams, zstd frames) are read whole.
//
// limit > 0 caps the decompressed size: reading past it fails with a
// *SizeLimitError, which protects against decompression bombs. Callers pass
// repomd.xml's open-size when it has one, else DefaultDecompressLimit.
//
// name (a file or URL) starts every error. A truncated or corrupt stream is
// an error naming the file and codec, never a silent short read.
//
// gzip, xz and bzip2 are decoded in a goroutine of their own, a few chunks
// ahead of the reader, so that parsing overlaps decoding; zstd decodes
// asynchronously by itself. Close stops that work and waits for it, so r is
// not read after Close returns. Close does not close r.
func Decompress(r io.Reader, name string, limit int64) (io.ReadCloser, error) {
	return decompress(r, name, limit, false)
}

// decompress is Decompress; verified says that the file's checksum from
// repomd.xml was checked in this run, so that xz's own block checks are
// skipped (they would only repeat it).
func decompress(r io.Reader, name string, limit int64, verified bool) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(&progressReader{r: r}, 64<<10)
	magic, err := br.Peek(6)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	d := &decompressReader{name: name, limit: limit}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		d.codec = "gzip"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, d.wrap(err)
		}
		d.src = startAsync(zr)
		d.closeSrc = func() { d.src.(*asyncReader).close(); zr.Close() }
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		d.codec = "xz"
		xr, err := newXZReader(br, limit, verified)
		if err != nil {
			return nil, d.wrap(err)
		}
		d.src = startAsync(xr)
		d.closeSrc = d.src.(*asyncReader).close
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d.codec = "zstd"
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return nil, d.wrap(err)
		}
		d.src = zr
		d.closeSrc = zr.Close
	case bytes.HasPrefix(magic, []byte("BZh")):
		d.codec = "bzip2"
		d.src = startAsync(bzip2.NewReader(br))
		d.closeSrc = d.src.(*asyncReader).close
	default:
		d.src = br
	}
	return d, nil
}

// progressReader fails a source that keeps returning no data and no error:
// bufio.Reader.Read passes such a read on, and io.ReadFull in the codecs
// would retry it forever.
type progressReader struct {
	r     io.Reader
	empty int // consecutive reads of nothing
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 || err != nil || len(b) == 0 {
		p.empty = 0
		return n, err
	}
	if p.empty++; p.empty >= maxEmptyReads {
		return 0, io.ErrNoProgress
	}
	return 0, nil
}

// decompressReader names errors of the codec, enforces the size limit and
// refuses reads after Close.
type decompressReader struct {
	name     string
	codec    string // "" for plain content
	limit    int64
	read     int64
	src      io.Reader
	closeSrc func()
	closed   bool
	err      error // sticky: a failed stream stays failed
}

func (d *decompressReader) Read(p []byte) (int, error) {
	if d.closed {
		return 0, fmt.Errorf("%s: read after Close", d.name)
	}
	if d.err != nil {
		return 0, d.err
	}
	if d.limit > 0 {
		if d.read >= d.limit {
			// Exactly limit bytes is fine; one more byte is not.
			var one [1]byte
			n, err := d.readSrc(one[:])
			if n > 0 {
				d.err = &SizeLimitError{Name: d.name, Limit: d.limit}
				return 0, d.err
			}
			return 0, err
		}
		if rest := d.limit - d.read; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	n, err := d.readSrc(p)
	d.read += int64(n)
	return n, err
}

// readSrc reads from the codec and names its errors.
func (d *decompressReader) readSrc(p []byte) (int, error) {
	n, err := d.src.Read(p)
	if errors.Is(err, errXZBeyondLimit) {
		d.err = &SizeLimitError{Name: d.name, Limit: d.limit}
		return n, d.err
	}
	if err != nil && err != io.EOF {
		d.err = d.wrap(err)
		return n, d.err
	}
	return n, err
}

func (d *decompressReader) wrap(err error) error {
	if d.codec == "" {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	if err == io.EOF {
		// A codec's header reader meeting the end of input: the file
		// stops right after its magic bytes.
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: %w in %s stream", d.name, err, d.codec)
}

// validated returns a stream offset up to which the bytes Read returned are
// all XML characters, as checked by the decoder goroutine; 0 when there is
// none.
func (d *decompressReader) validated() int64 {
	if a, ok := d.src.(*asyncReader); ok {
		// The probe past the limit read a byte that d never returned.
		return min(a.validated(), d.read)
	}
	return 0
}

// Close stops decoding. It does not close the underlying reader.
func (d *decompressReader) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	if d.closeSrc != nil {
		d.closeSrc()
	}
	return nil
}

// asyncReader runs a decoder in its own goroutine, which fills chunks while
// the reader consumes earlier ones. The goroutine also checks that the
// chunks hold only XML characters (see xmlScanner.checkChars), which takes
// that work off the parser: validated reports how far they do.
type asyncReader struct {
	full     chan asyncChunk // decoded chunks, in order; closed when the decoder stops
	free     chan []byte     // consumed chunks, for reuse
	stop     chan struct{}   // closed by close
	finished chan struct{}   // closed when the goroutine has returned
	err      error           // the decoder's final error (io.EOF at the end); read after full is closed
	chunk    []byte          // chunk being consumed
	rest     []byte          // its unread part
	read     int64           // bytes returned by Read
	valid    int64           // stream offset up to which chunk is known to hold only XML characters
	once     sync.Once
}

// asyncChunk is a decoded chunk and how far the stream holds only XML
// characters once it is read.
type asyncChunk struct {
	data  []byte
	valid int64 // stream offset
}

func startAsync(src io.Reader) *asyncReader {
	a := &asyncReader{
		full:     make(chan asyncChunk, asyncChunkCount),
		free:     make(chan []byte, asyncChunkCount),
		stop:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	go a.decode(src)
	return a
}

func (a *asyncReader) decode(src io.Reader) {
	defer close(a.finished)
	defer close(a.full)
	allocated := 0
	var check charCheck
	for {
		var buf []byte
		// Chunks are made as needed, so a small file costs one chunk.
		select {
		case buf = <-a.free:
		default:
			if allocated < asyncChunkCount {
				allocated++
				buf = make([]byte, asyncChunkSize)
			} else {
				select {
				case buf = <-a.free:
				case <-a.stop:
					return
				}
			}
		}
		n, err := 0, error(nil)
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
			select {
			case <-a.stop:
				return
			default:
			}
		}
		if n > 0 {
			check.add(buf[:n])
			select {
			case a.full <- asyncChunk{buf[:n], check.valid}:
			case <-a.stop:
				return
			}
		}
		if err != nil {
			a.err = err
			return
		}
	}
}

func (a *asyncReader) Read(p []byte) (int, error) {
	for len(a.rest) == 0 {
		if a.chunk != nil {
			a.free <- a.chunk[:cap(a.chunk)]
			a.chunk = nil
		}
		chunk, ok := <-a.full
		if !ok {
			return 0, a.err
		}
		a.chunk, a.rest, a.valid = chunk.data, chunk.data, chunk.valid
	}
	n := copy(p, a.rest)
	a.rest = a.rest[n:]
	a.read += int64(n)
	return n, nil
}

// validated returns a stream offset up to which the bytes Read returned
// are all XML characters.
func (a *asyncReader) validated() int64 { return min(a.read, a.valid) }

// charCheck checks a stream, chunk by chunk, for bytes that are no XML
// character, as xmlScanner.checkChars does: invalid UTF-8 and the control
// characters but tab, newline and carriage return.
type charCheck struct {
	valid   int64 // stream offset up to which all is well
	bad     bool  // a chunk failed: valid stays where it is
	pending [utf8.UTFMax]byte
	npend   int // the start of a rune that the next chunk completes
}

// add checks the next chunk of the stream.
func (c *charCheck) add(b []byte) {
	if c.bad {
		return
	}
	if c.npend > 0 {
		var buf [2 * utf8.UTFMax]byte
		n := copy(buf[:], c.pending[:c.npend])
		n += copy(buf[n:], b[:min(len(b), utf8.UTFMax)])
		r := buf[:n]
		if !utf8.FullRune(r) {
			// Still incomplete (b is tiny): keep waiting.
			c.npend = copy(c.pending[:], r)
			return
		}
		ru, size := utf8.DecodeRune(r)
		if ru == utf8.RuneError && size == 1 {
			c.bad = true
			return
		}
		c.valid += int64(size)
		b = b[size-c.npend:]
		c.npend = 0
	}
	end := lastWholeRune(b)
	if !controlsOK(b[:end]) || !utf8.Valid(b[:end]) {
		c.bad = true
		return
	}
	c.valid += int64(end)
	c.npend = copy(c.pending[:], b[end:])
}

// close stops the decoder goroutine and waits until it no longer reads its
// source.
func (a *asyncReader) close() {
	a.once.Do(func() { close(a.stop) })
	<-a.finished
}
