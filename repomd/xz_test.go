package repomd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// xzTool compresses data with the xz tool (the format's reference
// implementation), for the container features ulikunitz/xz's writer does
// not make: several blocks, CRC32 and SHA-256 checks.
func xzTool(tb testing.TB, data []byte, args ...string) []byte {
	tb.Helper()
	cmd := testenv.Command(tb, "xz", append(args, "-c")...)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("xz %v: %v", args, err)
	}
	return out
}

// readXZ decodes data as a file whose checksum was verified or not.
func readXZ(data []byte, limit int64, verified bool, oneByte bool) ([]byte, error) {
	var r io.Reader = bytes.NewReader(data)
	if oneByte {
		r = iotest.OneByteReader(r)
	}
	rc, err := decompress(r, "f.xz", limit, verified)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestXZContainer(t *testing.T) {
	content := sampleXML(400000)
	files := map[string][]byte{
		"ulikunitz":        xzBytes(t, content),
		"xz -6 crc64":      xzTool(t, content, "-6"),
		"xz crc32":         xzTool(t, content, "--check=crc32"),
		"xz sha256":        xzTool(t, content, "--check=sha256"),
		"xz no check":      xzTool(t, content, "--check=none"),
		"xz 3 blocks":      xzTool(t, content, "--block-size=150000"),
		"xz -0 small dict": xzTool(t, content, "-0"),
		"two streams":      append(append(xzTool(t, content[:1000]), 0, 0, 0, 0), xzTool(t, content[1000:])...),
		"empty":            xzTool(t, nil),
	}
	for name, data := range files {
		want := content
		if name == "empty" {
			want = nil
		}
		for _, verified := range []bool{false, true} {
			for _, limit := range []int64{0, int64(len(want)), 1 << 30} {
				t.Run(fmt.Sprintf("%s/verified=%v/limit=%d", name, verified, limit), func(t *testing.T) {
					got, err := readXZ(data, limit, verified, limit == 0)
					if err != nil || !bytes.Equal(got, want) {
						t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(want))
					}
				})
			}
		}
	}
}

// TestXZLimitClampedDictionary: a verified file's dictionary is sized to the
// limit, and content past the limit is a SizeLimitError however far the
// decoder ran ahead.
func TestXZLimitClampedDictionary(t *testing.T) {
	content := sampleXML(2 << 20)
	data := xzTool(t, content, "-6")
	for _, limit := range []int64{4096, 100000, 1 << 20, int64(len(content)) - 1} {
		got, err := readXZ(data, limit, true, false)
		var sle *SizeLimitError
		if !errors.As(err, &sle) || sle.Limit != limit {
			t.Errorf("limit %d: got %d bytes, %v; want a SizeLimitError", limit, len(got), err)
		}
	}
}

// TestXZCorrupt: headers, sizes, index and footer are checked in both modes,
// the blocks' checks only when the checksum was not verified.
func TestXZCorrupt(t *testing.T) {
	content := sampleXML(3000)
	data := xzTool(t, content, "-6")
	footer := len(data) - 12
	checkAt := footer - 4 - 4 - 8 // CRC64 before an index of one record (4 bytes + CRC32)
	cases := []struct {
		name       string
		at         int
		verifiedOK bool
	}{
		{"stream flags", 7, false},
		{"block header", 13, false},
		{"block check", checkAt, true},
		{"index", footer - 6, false},
		{"footer CRC32", footer, false},
		{"footer magic", len(data) - 1, false},
	}
	for _, c := range cases {
		bad := bytes.Clone(data)
		bad[c.at] ^= 0x40
		for _, verified := range []bool{false, true} {
			got, err := readXZ(bad, 0, verified, false)
			if verified && c.verifiedOK {
				if err != nil || !bytes.Equal(got, content) {
					t.Errorf("%s, verified: got %d bytes, %v; want the content", c.name, len(got), err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s flipped, verified=%v: no error", c.name, verified)
			}
		}
	}
	// Cut anywhere, in either mode, is an error.
	for cut := 6; cut < len(data); cut++ {
		for _, verified := range []bool{false, true} {
			if _, err := readXZ(data[:cut], 0, verified, false); err == nil {
				t.Fatalf("cut at %d of %d, verified=%v: no error", cut, len(data), verified)
			}
		}
	}
}

// TestXZCorruptClampedDictionary: a verified file whose dictionary is sized
// to its limit and whose data is cut or corrupt says so; only a match
// reaching past the clamped dictionary means content beyond the limit.
func TestXZCorruptClampedDictionary(t *testing.T) {
	content := sampleXML(30000)
	data := xzTool(t, content, "-6")
	block := 12 + 4*int(data[12]) + 4 // the block's LZMA2 data
	rcInit := bytes.Clone(data)
	rcInit[block+6] = 1 // the range coder's first byte, after the chunk header
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"cut in the block", data[:block+len(data[block:])/2], io.ErrUnexpectedEOF.Error()},
		{"range coder init byte", rcInit, "corrupt compressed data"},
	}
	for _, c := range cases {
		for _, limit := range []int64{int64(len(content)), 1 << 30} {
			got, err := readXZ(c.data, limit, true, false)
			var sle *SizeLimitError
			if err == nil || errors.As(err, &sle) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "f.xz: ") {
				t.Errorf("%s, limit %d: got %d bytes, %v; want an error naming f.xz and %q", c.name, limit, len(got), err, c.want)
			}
		}
	}
	// Any byte changed: the size limit is reported only once the reader got
	// the limit's bytes (a match reaching before the data's start, as most
	// corrupt bytes make, is not content beyond the limit).
	limit := int64(len(content))
	for i := block; i < len(data)-24; i++ {
		bad := bytes.Clone(data)
		bad[i] ^= 0x55
		got, err := readXZ(bad, limit, true, false)
		var sle *SizeLimitError
		if errors.As(err, &sle) && int64(len(got)) != limit {
			t.Fatalf("byte %d changed: %v after %d bytes", i, err, len(got))
		}
	}
}

// TestXZMemoryBounded: a small file that claims the largest dictionary and
// decompresses to far more than its limit costs memory in proportion to
// the limit, not to the dictionary or the content, with and without a
// verified checksum.
func TestXZMemoryBounded(t *testing.T) {
	bomb := xzTool(t, make([]byte, 64<<20), "-6")
	// The block header's dictionary size: 4 GiB - 1 (0x28), its CRC32 redone.
	n := 4*int(bomb[12]) + 4
	h := bomb[12 : 12+n]
	if h[1] != 0 || h[2] != 0x21 || h[3] != 1 {
		t.Fatalf("block header %x: not one LZMA2 filter without sizes", h)
	}
	h[4] = 40
	binary.LittleEndian.PutUint32(h[n-4:], crc32.ChecksumIEEE(h[:n-4]))
	const limit = 1 << 20
	for _, verified := range []bool{false, true} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		got, err := readXZ(bomb, limit, verified, false)
		runtime.ReadMemStats(&after)
		var sle *SizeLimitError
		if !errors.As(err, &sle) {
			t.Errorf("verified=%v: got %d bytes, %v; want a SizeLimitError", verified, len(got), err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("verified=%v: a %d-byte file with a limit of %d allocated %d MiB", verified, len(bomb), limit, alloc>>20)
		}
	}
}

// TestXZDamageWithinLimit: a verified file cut short or with corrupt data is
// reported as such, not as content past the size limit, when the limit (the
// open-size) clamps the dictionary: a SizeLimitError would send the user
// looking for a decompression bomb.
func TestXZDamageWithinLimit(t *testing.T) {
	content := sampleXML(400000)
	data := xzTool(t, content, "-6") // an 8 MiB dictionary, clamped to the limit
	limit := int64(len(content))
	damaged := map[string][]byte{}
	for _, cut := range []int{len(data) / 4, len(data) / 2, len(data) * 3 / 4} {
		damaged[fmt.Sprintf("cut at %d of %d", cut, len(data))] = data[:cut]
	}
	for _, at := range []int{len(data) / 4, len(data) / 2, len(data) * 3 / 4} {
		bad := bytes.Clone(data)
		for i := at; i < at+16; i++ {
			bad[i] ^= 0xff
		}
		damaged[fmt.Sprintf("16 bytes flipped at %d of %d", at, len(data))] = bad
	}
	for name, bad := range damaged {
		_, err := readXZ(bad, limit, true, false)
		var sle *SizeLimitError
		if err == nil || errors.As(err, &sle) {
			t.Errorf("%s: %v, want an error saying the stream is cut or corrupt", name, err)
		}
	}
}
