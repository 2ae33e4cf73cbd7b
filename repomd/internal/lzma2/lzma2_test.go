package lzma2

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/internal/testenv"
	"github.com/ulikunitz/xz/lzma"
)

// rawXZ compresses data with the xz tool into a raw LZMA2 stream (no .xz
// container), with the given --lzma2 options.
func rawXZ(tb testing.TB, data []byte, opts string) []byte {
	tb.Helper()
	cmd := testenv.Command(tb, "xz", "--format=raw", "--lzma2="+opts, "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("xz --lzma2=%s: %v", opts, err)
	}
	return out
}

// text is XML-like content with long and short repeats.
func text(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "<rpm:entry name=\"kernel(sym_%x)\" flags=\"EQ\" epoch=\"0\" ver=\"0x%08x\"/>\n", rng.IntN(3000), rng.Uint32())
	}
	return b.Bytes()[:n]
}

func random(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func decodeAll(data []byte, dictCap int, oneByte bool) ([]byte, error) {
	var r io.Reader = bytes.NewReader(data)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	return io.ReadAll(NewReader(r, dictCap))
}

func TestReader(t *testing.T) {
	txt := text(3<<20, 1)
	// Text and random runs alternate: xz stores the random runs as
	// uncompressed chunks between LZMA chunks that keep their state.
	var mixed []byte
	for i := range 6 {
		mixed = append(mixed, text(100000, uint64(i))...)
		mixed = append(mixed, random(70000, uint64(i))...)
	}
	cases := []struct {
		name    string
		content []byte
		opts    string
		dictCap int
	}{
		{"preset 0", txt, "preset=0", 256 << 10},
		{"preset 6", txt, "preset=6", 8 << 20},
		{"preset 9e", txt, "preset=9e", 64 << 20},
		{"lc=0 lp=4 pb=0", txt, "preset=6,lc=0,lp=4,pb=0", 8 << 20},
		{"lc=4 lp=0 pb=4", txt, "preset=6,lc=4,lp=0,pb=4", 8 << 20},
		{"lc=1 lp=3 pb=2", txt, "preset=6,lc=1,lp=3,pb=2", 8 << 20},
		// The dictionary wraps many times.
		{"4 KiB dictionary", txt, "preset=6,dict=4KiB", 4096},
		{"odd dictionary", txt, "preset=6,dict=12KiB", 12 << 10},
		{"incompressible", random(300000, 9), "preset=6", 8 << 20},
		{"mixed chunks", mixed, "preset=6", 8 << 20},
		{"empty", nil, "preset=6", 8 << 20},
		{"one byte", []byte("x"), "preset=6", 8 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := rawXZ(t, c.content, c.opts)
			for _, oneByte := range []bool{false, true} {
				if oneByte && len(c.content) > 1<<20 {
					continue
				}
				got, err := decodeAll(data, c.dictCap, oneByte)
				if err != nil || !bytes.Equal(got, c.content) {
					t.Fatalf("oneByte=%v: got %d bytes, %v; want %d", oneByte, len(got), err, len(c.content))
				}
			}
			// A dictionary smaller than the stream's reach is an error
			// (the xz reader's size limit rests on it).
			if len(c.content) > 2*c.dictCap && c.name != "incompressible" {
				if _, err := decodeAll(data, c.dictCap/2, false); !errors.Is(err, ErrDistance) {
					t.Errorf("half the dictionary: %v, want %v", err, ErrDistance)
				}
			}
		})
	}
}

// TestReaderReset: a Reader reused for another stream, with a bigger or
// smaller dictionary, decodes it as a fresh one.
func TestReaderReset(t *testing.T) {
	a, b := text(500000, 4), text(200000, 5)
	da, db := rawXZ(t, a, "preset=6"), rawXZ(t, b, "preset=1,dict=64KiB")
	d := NewReader(bytes.NewReader(da), 8<<20)
	for i, c := range []struct {
		data, want []byte
		dictCap    int
	}{{da, a, 8 << 20}, {db, b, 64 << 10}, {da, a, 1 << 20}, {db, b, 8 << 20}} {
		if i > 0 {
			d.Reset(bytes.NewReader(c.data), c.dictCap)
		}
		got, err := io.ReadAll(d)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("stream %d: got %d bytes, %v; want %d", i, len(got), err, len(c.want))
		}
		if len(d.dict) > (c.dictCap+15)&^15 {
			t.Errorf("stream %d: dictionary of %d bytes for a cap of %d", i, len(d.dict), c.dictCap)
		}
	}
}

// TestReaderStopsAtEnd: the Reader takes no byte after the end marker
// (the xz block padding and check follow it).
func TestReaderStopsAtEnd(t *testing.T) {
	content := text(100000, 6)
	data := append(rawXZ(t, content, "preset=6"), "after"...)
	r := bytes.NewReader(data)
	got, err := io.ReadAll(NewReader(r, 8<<20))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	if rest, _ := io.ReadAll(r); string(rest) != "after" {
		t.Errorf("left %q after the stream, want %q", rest, "after")
	}
}

// TestReaderCorrupt: chunk sequences the format forbids, and input cut
// anywhere, are errors.
func TestReaderCorrupt(t *testing.T) {
	content := text(50000, 7)
	good := rawXZ(t, content, "preset=6")
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"no dictionary reset", []byte{0x02, 0x00, 0x00, 'x', 0x00}, errChunkType},
		{"LZMA chunk without properties", []byte{0x01, 0x00, 0x00, 'x', 0x80, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0}, errChunkType},
		{"bad control byte", []byte{0x03}, errChunkType},
		{"lc+lp above 4", []byte{0xe0, 0, 0, 0, 4, 4*9 + 4, 0, 0, 0, 0, 0}, errProps},
		{"range coder first byte", append([]byte{0xe0, 0, 0, 0, 4, 0x5d, 1}, 0, 0, 0, 0), errCorrupt},
		{"empty input", nil, io.ErrUnexpectedEOF},
		{"end of chunk before its size", append(bytes.Clone(good[:len(good)-1]), 0xff), nil},
	}
	for _, c := range cases {
		got, err := decodeAll(c.data, 1<<20, false)
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %d bytes, %v; want %v", c.name, len(got), err, c.want)
		}
	}
	for cut := range len(good) {
		if _, err := decodeAll(good[:cut], 1<<20, false); err == nil {
			t.Fatalf("cut at %d of %d: no error", cut, len(good))
		}
	}
	for i := 6; i < len(good); i += 7 {
		bad := bytes.Clone(good)
		bad[i] ^= 0x10
		if got, err := decodeAll(bad, 1<<20, false); err == nil && bytes.Equal(got, content) {
			t.Errorf("byte %d flipped: the same content, no error", i)
		}
	}
}

// fuzzSeeds are raw LZMA2 streams of the xz tool: several chunk kinds,
// property sets and a dictionary that wraps.
func fuzzSeeds(tb testing.TB) [][]byte {
	return [][]byte{
		rawXZ(tb, text(20000, 8), "preset=6"),
		rawXZ(tb, text(5000, 9), "preset=0,lc=0,lp=2,pb=1"),
		rawXZ(tb, append(text(3000, 10), random(3000, 10)...), "preset=6"),
		rawXZ(tb, text(30000, 11), "preset=6,dict=4KiB"),
		{0x00},
	}
}

// FuzzReader compares the Reader with ulikunitz/xz's LZMA2 reader (see
// differential). The first input byte picks the dictionary size.
func FuzzReader(f *testing.F) {
	for _, data := range fuzzSeeds(f) {
		f.Add(append([]byte{0}, data...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 0 {
			differential(t, lzma.MinDictCap<<(data[0]%8), data[1:])
		}
	})
}

// TestReaderMutations runs differential on the fuzz seeds with random
// bytes changed and random cuts, a fixed sample of what FuzzReader explores.
func TestReaderMutations(t *testing.T) {
	seeds := fuzzSeeds(t)
	rng := rand.New(rand.NewPCG(1, 1))
	for range 3000 {
		d := bytes.Clone(seeds[rng.IntN(len(seeds))])
		for range 1 + rng.IntN(4) {
			d[rng.IntN(len(d))] = byte(rng.Uint32())
		}
		if rng.IntN(3) == 0 {
			d = d[:rng.IntN(len(d))]
		}
		differential(t, lzma.MinDictCap<<rng.IntN(8), d)
	}
}

// differential decodes data with the Reader and with ulikunitz/xz's LZMA2
// reader: the same bytes where both decode, and where ulikunitz decodes
// the Reader decodes too, unless it fails a check of the format's that
// ulikunitz does not make (errChunkEnd, errEndMarker, errProps).
func differential(t *testing.T, dictCap int, data []byte) {
	t.Helper()
	const maxOut = 256 << 10
	// ulikunitz decodes the input when it reads to the end marker (its
	// reader reports input cut inside the first chunk as a clean io.EOF)
	// or to maxOut.
	var want []byte
	uerr := errors.New("no reader")
	if u, err := (lzma.Reader2Config{DictCap: dictCap}).NewReader2(bytes.NewReader(data)); err == nil {
		want, uerr = io.ReadAll(io.LimitReader(u, maxOut))
		if uerr == nil && !u.EOS() && len(want) < maxOut {
			uerr = errors.New("no end marker")
		}
	}
	got, err := io.ReadAll(io.LimitReader(NewReader(bytes.NewReader(data), dictCap), maxOut))
	n := min(len(got), len(want))
	if !bytes.Equal(got[:n], want[:n]) {
		t.Fatalf("%x: output differs within the first %d bytes (ours %v, ulikunitz %v)", data, n, err, uerr)
	}
	switch {
	case uerr == nil && err == nil && len(got) != len(want):
		t.Fatalf("%x: got %d bytes, ulikunitz %d", data, len(got), len(want))
	case uerr == nil && err != nil && !errors.Is(err, errChunkEnd) && !errors.Is(err, errEndMarker) && !errors.Is(err, errProps):
		t.Fatalf("%x: ulikunitz decodes %d bytes, we %d and fail: %v", data, len(want), len(got), err)
	case uerr != nil && err == nil:
		t.Fatalf("%x: ulikunitz fails (%v) after %d bytes, we decode %d", data, uerr, len(want), len(got))
	}
}

// BenchmarkReader decodes the primary.xml.xz of the generated kernel series
// (as repogen writes it, with ulikunitz/xz's encoder) and the same content
// compressed by the xz tool, with this package and with ulikunitz/xz.
func BenchmarkReader(b *testing.B) {
	s := repogen.NewSeries(repogen.SeriesConfig{Kernels: 20, Symbols: 20000, Kmods: 120, OtherPkgs: 3000, Seed: 1, MinorJumpAt: 15})
	dir := b.TempDir()
	if err := repogen.WriteRepo(dir, s.Kernels, repogen.XZ); err != nil {
		b.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "repodata", "*-primary.xml.xz"))
	if err != nil || len(files) != 1 {
		b.Fatalf("primary: %v %v", files, err)
	}
	file, err := os.ReadFile(files[0])
	if err != nil {
		b.Fatal(err)
	}
	// The LZMA2 data of the file's one block: after the 12-byte stream
	// header and the block header (its first byte gives its size).
	block := file[12+4*int(file[12])+4:]
	content, err := decodeAll(block, 8<<20, false)
	if err != nil {
		b.Fatal(err)
	}
	inputs := []struct {
		name string
		data []byte
	}{{"repogen", block}, {"xz-6", rawXZ(b, content, "preset=6")}}
	decoders := []struct {
		name string
		new  func(io.Reader) (io.Reader, error)
	}{
		{"lzma2", func(r io.Reader) (io.Reader, error) { return NewReader(r, 8<<20), nil }},
		{"ulikunitz", func(r io.Reader) (io.Reader, error) {
			return lzma.Reader2Config{DictCap: 8 << 20}.NewReader2(r)
		}},
	}
	for _, in := range inputs {
		for _, dec := range decoders {
			b.Run(in.name+"/"+dec.name, func(b *testing.B) {
				b.SetBytes(int64(len(content)))
				b.ReportAllocs()
				for b.Loop() {
					r, err := dec.new(bytes.NewReader(in.data))
					if err != nil {
						b.Fatal(err)
					}
					if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(content)) {
						b.Fatalf("%d bytes, %v", n, err)
					}
				}
			})
		}
	}
}
