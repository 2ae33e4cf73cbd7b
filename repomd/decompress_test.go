package repomd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// readSharedData returns a file of the project's real data (see
// testenv.SharedData).
func readSharedData(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(testenv.SharedData(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// sampleXML returns n bytes of primary.xml-like text, varied enough that
// compressors do real work.
func sampleXML(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < n {
		fmt.Fprintf(&b, "<rpm:entry name=\"kernel(sym_%x)\" flags=\"EQ\" epoch=\"0\" ver=\"0x%08x\"/>\n", rng.Uint32(), rng.Uint32())
	}
	return b.Bytes()[:n]
}

func gzipBytes(tb testing.TB, members ...[]byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	for _, m := range members {
		w := gzip.NewWriter(&b)
		if _, err := w.Write(m); err != nil {
			tb.Fatal(err)
		}
		if err := w.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return b.Bytes()
}

func zstdBytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil)
}

func xzBytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	w, err := xz.WriterConfig{DictCap: 1 << 20}.NewWriter(&b)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// bzip2Bytes uses the bzip2 tool: Go's standard library only decodes bzip2.
func bzip2Bytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	cmd := testenv.Command(tb, "bzip2", "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("bzip2: %v", err)
	}
	return out
}

// decompressAll reads all of Decompress's output.
func decompressAll(data []byte, name string, limit int64) ([]byte, error) {
	rc, err := Decompress(bytes.NewReader(data), name, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestDecompressRoundTrip(t *testing.T) {
	codecs := []struct {
		name     string
		compress func(testing.TB, []byte) []byte
	}{
		{"plain", func(_ testing.TB, b []byte) []byte { return b }},
		{"gzip", func(tb testing.TB, b []byte) []byte { return gzipBytes(tb, b) }},
		{"zstd", zstdBytes},
		{"xz", xzBytes},
		{"bzip2", bzip2Bytes},
	}
	// Sizes around the async chunk size catch off-by-one hand-overs; the
	// largest needs more chunks than there are buffers, so they are reused.
	sizes := []int{0, 1, 5, 4096, asyncChunkSize - 1, asyncChunkSize, asyncChunkSize + 1, (asyncChunkCount+1)*asyncChunkSize + 17}
	for _, c := range codecs {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/%d", c.name, size), func(t *testing.T) {
				want := sampleXML(size)
				got, err := decompressAll(c.compress(t, want), "primary.xml", 0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("got %d bytes, want %d (sha256 %s vs %s)", len(got), len(want), sha256Hex(got), sha256Hex(want))
				}
			})
		}
	}
}

// TestDecompressRealFiles checks real metadata against the open-checksum and
// open-size their repomd.xml gives.
func TestDecompressRealFiles(t *testing.T) {
	custom := parseTestRepomd(t, "testdata/repomdxml/cs9-custom-zst.xml")
	customPrimary, _ := custom.Find("primary")
	baseos := parseTestRepomd(t, "testdata/repomdxml/cs9-baseos.xml")
	baseosPrimary, _ := baseos.Find("primary")
	baseosFilelists, _ := baseos.Find("filelists")

	tests := []struct {
		file string
		data func(testing.TB) []byte
		want DataFile
	}{
		{"primary.xml.zst", testdataFile("testdata/decompress/primary.xml.zst"), customPrimary},
		{"primary.xml.xz", testdataFile("testdata/decompress/primary.xml.xz"), customPrimary},
		{"primary.xml.bz2", testdataFile("testdata/decompress/primary.xml.bz2"), customPrimary},
		{"baseos primary.xml.gz", sharedFile("cs9/baseos/repodata/130494033cb9bffa40828ebc814d016920d9ce5d60041467af283ffcf38adef0-primary.xml.gz"), baseosPrimary},
		{"baseos filelists.xml.gz", sharedFile("cs9/baseos/repodata/7b99933643e8bff43d3d82180e7d678fac89b6a1b9b8f5f88ea93a5c3b9b5dbd-filelists.xml.gz"), baseosFilelists},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := decompressAll(tt.data(t), tt.file, tt.want.OpenSize)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(got)) != tt.want.OpenSize {
				t.Errorf("size %d, repomd.xml says %d", len(got), tt.want.OpenSize)
			}
			if sum := sha256Hex(got); sum != tt.want.OpenChecksum.Hex {
				t.Errorf("sha256 %s, repomd.xml says %s", sum, tt.want.OpenChecksum.Hex)
			}
		})
	}
}

func testdataFile(path string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
}

func sharedFile(rel string) func(testing.TB) []byte {
	return func(tb testing.TB) []byte { return readSharedData(tb, rel) }
}

func TestDecompressGzipMembers(t *testing.T) {
	parts := [][]byte{[]byte("<metadata>\n"), sampleXML(300000), {}, []byte("</metadata>\n")}
	got, err := decompressAll(gzipBytes(t, parts...), "primary.xml.gz", 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := bytes.Join(parts, nil); !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, want the %d of all members", len(got), len(want))
	}
}

func TestDecompressTruncated(t *testing.T) {
	// Small content makes a short stream, cut at every byte; larger
	// content has several blocks and chunks, cut at a few places.
	for _, size := range []int{3000, 300000} {
		content := sampleXML(size)
		streams := map[string][]byte{
			"gzip":  gzipBytes(t, content),
			"zstd":  zstdBytes(t, content),
			"xz":    xzBytes(t, content),
			"bzip2": bzip2Bytes(t, content),
		}
		for codec, full := range streams {
			magicLen := map[string]int{"gzip": 2, "zstd": 4, "xz": 6, "bzip2": 3}[codec]
			var cuts []int
			if size < 10000 {
				for cut := magicLen; cut < len(full); cut++ {
					cuts = append(cuts, cut)
				}
			} else {
				cuts = []int{20, len(full) / 3, len(full) / 2, len(full) - 4, len(full) - 1}
			}
			t.Run(fmt.Sprintf("%s/%d", codec, size), func(t *testing.T) {
				for _, cut := range cuts {
					got, err := decompressAll(full[:cut], "primary.xml.x", 0)
					if err == nil {
						t.Fatalf("no error reading %d of %d compressed bytes (%d of %d content bytes)", cut, len(full), len(got), len(content))
					}
					msg := err.Error()
					if !strings.HasPrefix(msg, "primary.xml.x: ") || !strings.Contains(msg, codec+" stream") {
						t.Fatalf("cut at %d: error %q does not name the file and the %s stream", cut, msg, codec)
					}
				}
			})
		}
	}
}

func TestDecompressXZStreams(t *testing.T) {
	a, b := sampleXML(5000), []byte("second stream")
	padded := slices.Concat(xzBytes(t, a), make([]byte, 4), xzBytes(t, b), make([]byte, 8))
	// One byte at a time exercises how padding is told from data across reads.
	rc, err := Decompress(iotest.OneByteReader(bytes.NewReader(padded)), "modules.yaml.xz", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if want := slices.Concat(a, b); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(want))
	}
	// Padding must come in groups of four zero bytes.
	if _, err := decompressAll(slices.Concat(xzBytes(t, a), make([]byte, 3)), "modules.yaml.xz", 0); err == nil {
		t.Error("no error for 3 bytes of padding")
	}
}

func TestDecompressOneByteReads(t *testing.T) {
	content := sampleXML(20000)
	for codec, data := range map[string][]byte{"gzip": gzipBytes(t, content), "zstd": zstdBytes(t, content), "xz": xzBytes(t, content), "bzip2": bzip2Bytes(t, content)} {
		rc, err := Decompress(iotest.OneByteReader(bytes.NewReader(data)), "f", 0)
		if err != nil {
			t.Fatalf("%s: %v", codec, err)
		}
		got, err := io.ReadAll(iotest.OneByteReader(rc))
		rc.Close()
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("%s: got %d bytes, %v; want %d", codec, len(got), err, len(content))
		}
	}
}

// TestDecompressTruncatedMessage pins the wording promised to users.
func TestDecompressTruncatedMessage(t *testing.T) {
	full := gzipBytes(t, sampleXML(10000))
	_, err := decompressAll(full[:len(full)-3], "primary.xml.gz", 0)
	if want := "primary.xml.gz: unexpected EOF in gzip stream"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v does not wrap io.ErrUnexpectedEOF", err)
	}
}

func TestDecompressLimit(t *testing.T) {
	content := sampleXML(700000)
	streams := map[string][]byte{
		"plain": content,
		"gzip":  gzipBytes(t, content),
		"zstd":  zstdBytes(t, content),
		"xz":    xzBytes(t, content),
		"bzip2": bzip2Bytes(t, content),
	}
	n := int64(len(content))
	for codec, data := range streams {
		t.Run(codec, func(t *testing.T) {
			for _, limit := range []int64{n, n + 1, 0} {
				if got, err := decompressAll(data, "p.xml", limit); err != nil || int64(len(got)) != n {
					t.Errorf("limit %d: got %d bytes, %v; want all %d", limit, len(got), err, n)
				}
			}
			for _, limit := range []int64{n - 1, 1, asyncChunkSize} {
				got, err := decompressAll(data, "p.xml", limit)
				var tooBig *SizeLimitError
				if !errors.As(err, &tooBig) || tooBig.Limit != limit {
					t.Fatalf("limit %d: got %d bytes, error %v; want a SizeLimitError", limit, len(got), err)
				}
				if want := fmt.Sprintf("p.xml: decompressed size exceeds %d bytes", limit); err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				if int64(len(got)) != limit || !bytes.Equal(got, content[:limit]) {
					t.Errorf("limit %d: read %d bytes before the error", limit, len(got))
				}
			}
		})
	}
}

func TestDecompressGarbage(t *testing.T) {
	good := gzipBytes(t, []byte("<metadata/>"))
	tests := []struct {
		name, codec string
		data        []byte
	}{
		{"gzip header", "gzip", append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte{0x55}, 100)...)},
		{"gzip bad deflate", "gzip", append(append([]byte{}, good[:10]...), bytes.Repeat([]byte{0xff}, 100)...)},
		{"gzip trailing garbage", "gzip", append(append([]byte{}, good...), "garbage"...)},
		{"gzip bad crc", "gzip", flipByte(good, len(good)-6)},
		{"xz header", "xz", append([]byte{0xfd, '7', 'z', 'X', 'Z', 0}, bytes.Repeat([]byte{0x55}, 100)...)},
		{"zstd frame", "zstd", append([]byte{0x28, 0xb5, 0x2f, 0xfd}, bytes.Repeat([]byte{0x55}, 100)...)},
		{"bzip2 level", "bzip2", []byte("BZhx" + strings.Repeat("U", 100))},
		{"bzip2 block", "bzip2", []byte("BZh9" + strings.Repeat("U", 100))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decompressAll(tt.data, "repodata/x", 0)
			if err == nil {
				t.Fatal("no error")
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "repodata/x: ") || !strings.Contains(msg, tt.codec+" stream") {
				t.Errorf("error %q does not name the file and the %s stream", msg, tt.codec)
			}
		})
	}
}

func flipByte(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0xff
	return c
}

func TestDecompressPlain(t *testing.T) {
	// Short inputs must not be mistaken for a truncated magic.
	for _, in := range []string{"", "B", "BZ", "<?xml version=\"1.0\"?><metadata/>", "\x1f"} {
		got, err := decompressAll([]byte(in), "f", 0)
		if err != nil || string(got) != in {
			t.Errorf("Decompress(%q) = %q, %v", in, got, err)
		}
	}
}

func TestDecompressClose(t *testing.T) {
	content := sampleXML(3 << 20)
	for codec, data := range map[string][]byte{"gzip": gzipBytes(t, content), "xz": xzBytes(t, content), "zstd": zstdBytes(t, content)} {
		t.Run(codec, func(t *testing.T) {
			src := &countingReader{r: bytes.NewReader(data)}
			rc, err := Decompress(src, "f", 0)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 100)
			if _, err := io.ReadFull(rc, buf); err != nil || !bytes.Equal(buf, content[:100]) {
				t.Fatalf("first bytes %q, %v", buf, err)
			}
			if err := rc.Close(); err != nil {
				t.Fatal(err)
			}
			// Close waited for the decoder: the source is no longer read.
			before := src.reads.Load()
			if _, err := rc.Read(buf); err == nil {
				t.Error("Read after Close succeeded")
			}
			if after := src.reads.Load(); after != before {
				t.Errorf("source read %d more times after Close", after-before)
			}
			if src.n.Load() == int64(len(data)) {
				t.Errorf("Close let the decoder read all %d bytes", len(data))
			}
			if err := rc.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// FuzzDecompress's seeds are a tiny primary.xml in each codec, from the
// tools: the fuzzer minimizes each new input with a number of runs
// quadratic in its size, for up to a minute, and with the 600-byte files
// of testdata/decompress as seeds it spent whole runs there, reporting no
// execs. Each run makes no encoder or decoder it can reuse, for the same
// reason.
func FuzzDecompress(f *testing.F) {
	small := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" packages="0">
</metadata>
`)
	f.Add(toolBytes(f, small, "xz", "-9"))
	f.Add(toolBytes(f, small, "xz", "--check=sha256", "--block-size=64"))
	f.Add(toolBytes(f, small, "zstd", "-q", "-19"))
	f.Add(toolBytes(f, small, "bzip2", "-9"))
	f.Add(toolBytes(f, small, "gzip", "-9", "-n"))
	f.Add(gzipBytes(f, []byte("<metadata/>"), []byte("more")))
	f.Add([]byte("<?xml version=\"1.0\"?>"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	f.Add([]byte("BZh91AY&SY"))
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		f.Fatal(err)
	}
	defer enc.Close()
	gz := gzip.NewWriter(nil)
	var gzBuf bytes.Buffer
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		got, err := decompressAll(data, "fuzz", limit)
		if err == nil && len(got) > limit {
			t.Fatalf("read %d bytes past the limit of %d", len(got), limit)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz: ") {
			t.Fatalf("error %q does not name the file", err)
		}
		// Any content survives compression with each Go encoder.
		gzBuf.Reset()
		gz.Reset(&gzBuf)
		if _, err := gz.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := gz.Close(); err != nil {
			t.Fatal(err)
		}
		for codec, packed := range map[string][]byte{"gzip": gzBuf.Bytes(), "zstd": enc.EncodeAll(data, nil)} {
			back, err := decompressAll(packed, "fuzz", 0)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("%s round trip: got %d bytes, %v; want %d", codec, len(back), err, len(data))
			}
		}
	})
}

func BenchmarkDecompress(b *testing.B) {
	gz := readSharedData(b, "cs9/baseos/repodata/130494033cb9bffa40828ebc814d016920d9ce5d60041467af283ffcf38adef0-primary.xml.gz")
	content, err := decompressAll(gz, "primary.xml.gz", 0)
	if err != nil {
		b.Fatal(err)
	}
	codecs := []struct {
		name string
		data func() []byte
	}{
		{"plain", func() []byte { return content }},
		{"gzip", func() []byte { return gz }},
		{"zstd", func() []byte { return zstdBytes(b, content) }},
		{"xz", func() []byte { return toolBytes(b, content, "xz", "-6") }},
		{"bzip2", func() []byte { return toolBytes(b, content, "bzip2", "-9") }},
	}
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			data := c.data()
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rc, err := Decompress(bytes.NewReader(data), "primary.xml", 0)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, rc); err != nil || n != int64(len(content)) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
				rc.Close()
			}
		})
	}
}

// toolBytes compresses with a command line tool, as createrepo_c's libraries
// would, rather than with a slower Go encoder.
func toolBytes(b testing.TB, data []byte, tool string, args ...string) []byte {
	b.Helper()
	cmd := testenv.Command(b, tool, append(args, "-c")...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s: %v", tool, err)
	}
	return out
}

// countingReader counts the reads and bytes a decoder takes from its source;
// the counters are atomic because decoders read in goroutines.
type countingReader struct {
	r     io.Reader
	reads atomic.Int64
	n     atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// stallingReader returns the first n bytes of r, then no data and no error,
// and gives up with errStalled only after many such reads.
type stallingReader struct {
	r     io.Reader
	n     int
	empty int
}

var errStalled = errors.New("the reader was retried 10000 times")

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.n > 0 {
		k, err := s.r.Read(p[:min(len(p), s.n)])
		s.n -= k
		return k, err
	}
	if s.empty++; s.empty > 10000 {
		return 0, errStalled
	}
	return 0, nil
}

// TestDecompressNoProgress: a source that returns neither data nor an
// error is given up after a few reads, with io.ErrNoProgress, in every
// codec and at any point: io.ReadFull in the codecs would retry it forever.
func TestDecompressNoProgress(t *testing.T) {
	content := sampleXML(300000)
	streams := map[string][]byte{
		"gzip":  gzipBytes(t, content),
		"zstd":  zstdBytes(t, content),
		"xz":    xzTool(t, content, "-6"),
		"bzip2": bzip2Bytes(t, content),
		"plain": content,
	}
	for codec, data := range streams {
		for _, cut := range []int{0, 3, 8, 20, 100, len(data) / 2, len(data) - 5} {
			rc, err := Decompress(&stallingReader{r: bytes.NewReader(data), n: cut}, "f", 0)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if !errors.Is(err, io.ErrNoProgress) || !strings.HasPrefix(err.Error(), "f: ") {
				t.Errorf("%s stalled after %d bytes: %v, want io.ErrNoProgress naming f", codec, cut, err)
			}
		}
	}
}

// charCheck never vouches for a byte past the first one that is no XML
// character, however the stream is cut into chunks, and vouches for all of
// a valid stream but a rune still incomplete at its end.
func TestCharCheck(t *testing.T) {
	pieces := []string{"a", "<x>", "\n", "\t", "\r", "é", "€", "😀", "\x00", "\x1b", "\xff", "\xe2\x82", "\xed\xa0\x80", "\xc3"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var doc []byte
		for range rng.IntN(40) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(4) > 0 {
				p = pieces[rng.IntN(7)] // mostly valid
			}
			doc = append(doc, p...)
		}
		var c charCheck
		for rest := doc; len(rest) > 0; {
			n := 1 + rng.IntN(min(len(rest), 9))
			c.add(rest[:n])
			rest = rest[n:]
		}
		good := 0 // the longest prefix of whole, valid characters
		for good < len(doc) {
			r, size := utf8.DecodeRune(doc[good:])
			if r == utf8.RuneError && size == 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				break
			}
			good += size
		}
		incomplete := good < len(doc) && !utf8.FullRune(doc[good:])
		switch {
		case c.valid > int64(good):
			t.Fatalf("%q: valid up to %d, but byte %d is bad", doc, c.valid, good)
		case (good == len(doc) || incomplete) && c.valid != int64(good):
			t.Fatalf("%q: valid up to %d, want %d", doc, c.valid, good)
		}
	}
}

// The characters the decoder goroutine checks give the same errors, at the
// same positions, as the scanner's own check, wherever a chunk of the
// decoder ends.
func TestDecompressCharCheckErrors(t *testing.T) {
	head := testPrimary("")
	head = head[:strings.Index(head, "</metadata>")]
	unit := testPkg + "\n"
	filler := strings.Repeat(unit, asyncChunkSize/len(unit)+1)
	for _, bad := range []string{"é€😀", "\xff", "\xe2\x82", "\xed\xa0\x80", "\x00", "\x1b"} {
		pkg := strings.Replace(testPkg, "<name>a", "<name>a"+bad, 1)
		at := strings.Index(pkg, bad)
		for shift := -4; shift <= 4; shift++ {
			// Whole packages, then spaces, so that bad starts at the
			// end of the decoder's first chunk, plus shift.
			want := asyncChunkSize + shift
			before := head + filler[:(want-at-len(head)-100)/len(unit)*len(unit)]
			before += strings.Repeat(" ", want-at-len(before))
			doc := before + pkg + filler + "</metadata>"
			wantPkgs, wantErr := ParsePrimary(strings.NewReader(doc), "p.xml", NewStrings())
			var pe *ParseError
			if bad == "é€😀" && wantErr != nil || bad != "é€😀" && (!errors.As(wantErr, &pe) || pe.Pos.Offset != int64(want)) {
				t.Fatalf("%q at %d: %v", bad, want, wantErr)
			}
			for codec, compressed := range map[string][]byte{"gzip": gzipBytes(t, []byte(doc)), "xz": xzBytes(t, []byte(doc))} {
				r, err := Decompress(bytes.NewReader(compressed), "p.xml", 0)
				if err != nil {
					t.Fatal(err)
				}
				pkgs, err := ParsePrimary(r, "p.xml", NewStrings())
				r.Close()
				if fmt.Sprint(err) != fmt.Sprint(wantErr) || len(pkgs) != len(wantPkgs) {
					t.Errorf("%q at %d, %s: %d packages, %v; want %d, %v", bad, want, codec, len(pkgs), err, len(wantPkgs), wantErr)
				}
			}
		}
	}
}
