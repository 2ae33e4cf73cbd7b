package repomd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"

	"github.com/repoclosure/repoclosure/repomd/internal/lzma2"
	"github.com/ulikunitz/xz/lzma"
)

// xzReader reads the .xz container (streams of LZMA2 blocks, each stream
// closed by an index and a footer, streams separated by zero padding) and
// decodes the blocks with package lzma2. Reading the container itself lets
// it
//   - when the file's checksum from repomd.xml was verified already, skip
//     the blocks' CRC64 (or CRC32, SHA-256), which then only repeats it at a
//     tenth of the decoding time, and size each block's dictionary to the
//     content's size limit (xz writes 8 MiB even for a 9 KB
//     modules.yaml.xz): a valid stream never reaches farther back than its
//     content, so a reference beyond the dictionary means content beyond
//     the limit,
//   - check every header, index and footer CRC32 and size, so that input cut
//     anywhere, even inside a block header, is an error.
type xzReader struct {
	r       xzCounter
	dictMax int  // bound of a block's dictionary: the content's size limit
	verify  bool // compute and compare the blocks' checks
	clamped bool // the current block's dictionary is smaller than it asks

	flags   [2]byte   // the current stream's flags
	check   hash.Hash // its block check, nil when not verified
	records []xzRecord

	block      *lzma2.Reader    // the block being read, nil between blocks
	dec        *lzma2.Reader    // the decoder, kept for the next block
	packed     io.LimitedReader // the block's LZMA2 data, when its header sizes it
	blockStart int64            // input offset of its header
	headerLen  int64
	wantPacked int64 // sizes the block header gives, -1 when absent
	wantSize   int64
	size       int64 // content bytes of the block so far
	err        error // sticky
}

// xzRecord is a block as the index lists it.
type xzRecord struct{ unpadded, size int64 }

// xzCounter counts the bytes read through it, so that block and index sizes
// can be checked.
type xzCounter struct {
	r *bufio.Reader
	n int64
}

func (c *xzCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *xzCounter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

var (
	xzMagic        = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	errXZPadding   = errors.New("stream padding is not a multiple of four zero bytes")
	errXZFormat    = errors.New("malformed xz container")
	crc64ECMATable = crc64.MakeTable(crc64.ECMA)
)

// errXZBeyondLimit is a clamped dictionary's distance error: the content
// goes on past the size limit.
var errXZBeyondLimit = errors.New("content beyond the size limit")

// newXZReader reads the first stream header from r. verified says that r's
// checksum was checked: the blocks' checks are then skipped and limit > 0
// bounds the dictionary.
func newXZReader(r *bufio.Reader, limit int64, verified bool) (*xzReader, error) {
	x := &xzReader{r: xzCounter{r: r}, dictMax: lzma.MaxDictCap, verify: !verified}
	if verified && limit > 0 && limit < int64(x.dictMax) {
		x.dictMax = max(int(limit), lzma.MinDictCap)
	}
	if err := x.streamHeader(); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *xzReader) Read(p []byte) (int, error) {
	for x.err == nil {
		if x.block == nil {
			x.err = x.next()
			continue
		}
		n, err := x.block.Read(p)
		x.size += int64(n)
		if x.check != nil {
			x.check.Write(p[:n])
		}
		switch {
		case err == io.EOF:
			x.block = nil
			x.err = x.endBlock()
		case x.clamped && errors.Is(err, lzma2.ErrDistance):
			// The decoder runs ahead of what was returned, so this can
			// come before the reader sees the limit passed. Other errors
			// (input cut short, corrupt data) say what they are.
			x.err = errXZBeyondLimit
		case err != nil:
			x.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, x.err
}

// full reads len(p) bytes; the input ending first is unexpected.
func (x *xzReader) full(p []byte) error {
	if _, err := io.ReadFull(&x.r, p); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// streamHeader reads a stream header: magic, flags and their CRC32.
func (x *xzReader) streamHeader() error {
	var h [12]byte
	if err := x.full(h[:]); err != nil {
		return err
	}
	if !bytes.Equal(h[:6], xzMagic) {
		return errors.New("bad stream header magic")
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return errors.New("stream header CRC32 mismatch")
	}
	if h[6] != 0 || h[7]&0xf0 != 0 {
		return fmt.Errorf("unsupported stream flags %#x %#x", h[6], h[7])
	}
	x.flags = [2]byte{h[6], h[7]}
	x.records = x.records[:0]
	x.check = nil
	if x.verify {
		switch h[7] {
		case 0x00: // none
		case 0x01:
			x.check = crc32.NewIEEE()
		case 0x04:
			x.check = crc64.New(crc64ECMATable)
		case 0x0a:
			x.check = sha256.New()
		default:
			return fmt.Errorf("unsupported check type %#x", h[7])
		}
	}
	return nil
}

// checkLen is the size of the current stream's block check field.
func (x *xzReader) checkLen() int64 {
	id := x.flags[1]
	if id == 0 {
		return 0
	}
	return 4 << ((id - 1) / 3)
}

// next starts the next block, or reads the index, footer and padding that
// end the stream and the header of the stream after, if any. It returns
// io.EOF after the last stream.
func (x *xzReader) next() error {
	start := x.r.n
	b, err := x.r.ReadByte()
	if err != nil {
		return unexpected(err)
	}
	if b == 0 {
		if err := x.index(start); err != nil {
			return err
		}
		return x.padding()
	}
	return x.blockHeader(start, int64(b)*4+4)
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// blockHeader reads the header of a block whose size byte was read and
// starts its LZMA2 decoder.
func (x *xzReader) blockHeader(start, n int64) error {
	h := make([]byte, n)
	h[0] = byte(n/4 - 1)
	if err := x.full(h[1:]); err != nil {
		return err
	}
	if crc32.ChecksumIEEE(h[:n-4]) != binary.LittleEndian.Uint32(h[n-4:]) {
		return errors.New("block header CRC32 mismatch")
	}
	flags := h[1]
	if flags&0x3c != 0 {
		return fmt.Errorf("unsupported block flags %#x", flags)
	}
	rest := h[2 : n-4]
	x.wantPacked, x.wantSize = -1, -1
	var err error
	if flags&0x40 != 0 {
		if x.wantPacked, rest, err = readVLI(rest); err != nil {
			return err
		}
	}
	if flags&0x80 != 0 {
		if x.wantSize, rest, err = readVLI(rest); err != nil {
			return err
		}
	}
	// One filter, LZMA2 (0x21) with its one-byte dictionary size: the only
	// filter chain of repository metadata (and the only one ulikunitz/xz's
	// writer, which repogen uses, makes).
	id, rest, err := readVLI(rest)
	if err != nil {
		return err
	}
	propLen, rest, err := readVLI(rest)
	if err != nil {
		return err
	}
	if flags&3 != 0 || id != 0x21 || propLen != 1 || len(rest) < 1 {
		return fmt.Errorf("unsupported filter chain (%d filters, first %#x)", flags&3+1, id)
	}
	d := rest[0]
	if d > 40 {
		return fmt.Errorf("bad LZMA2 dictionary size %d", d)
	}
	for _, c := range rest[1:] {
		if c != 0 {
			return errors.New("block header padding is not zero")
		}
	}
	dict := int64(0xffffffff)
	if d < 40 {
		dict = int64(2|d&1) << (d/2 + 11)
	}
	dictCap := int(min(dict, int64(x.dictMax), lzma.MaxDictCap))
	x.clamped = int64(dictCap) < dict
	var src io.Reader = &x.r
	if x.wantPacked >= 0 {
		x.packed = io.LimitedReader{R: &x.r, N: x.wantPacked}
		src = &x.packed
	}
	if x.dec == nil {
		x.dec = lzma2.NewReader(src, max(dictCap, lzma.MinDictCap))
	} else {
		x.dec.Reset(src, max(dictCap, lzma.MinDictCap))
	}
	x.block = x.dec
	x.blockStart, x.headerLen, x.size = start, n, 0
	if x.check != nil {
		x.check.Reset()
	}
	return nil
}

// endBlock reads the padding and check after a block's LZMA2 data and
// checks the sizes its header gave.
func (x *xzReader) endBlock() error {
	packed := x.r.n - x.blockStart - x.headerLen
	if x.wantPacked >= 0 && packed != x.wantPacked || x.wantSize >= 0 && x.size != x.wantSize {
		return errors.New("block sizes differ from its header")
	}
	var buf [64]byte
	pad := (4 - packed%4) % 4
	if err := x.full(buf[:pad]); err != nil {
		return err
	}
	if !allZero(buf[:pad]) {
		return errors.New("block padding is not zero")
	}
	n := x.checkLen()
	if err := x.full(buf[:n]); err != nil {
		return err
	}
	if x.check != nil && !checkMatches(x.check, buf[:n]) {
		return errors.New("block check mismatch")
	}
	x.records = append(x.records, xzRecord{unpadded: x.headerLen + packed + n, size: x.size})
	return nil
}

// index reads the index (its indicator byte at start read) and the stream
// footer, and checks them against the blocks read.
func (x *xzReader) index(start int64) error {
	crc := crc32.NewIEEE()
	crc.Write([]byte{0})
	vli := func() (int64, error) {
		var v int64
		for i := 0; i < 9; i++ {
			b, err := x.r.ReadByte()
			if err != nil {
				return 0, unexpected(err)
			}
			crc.Write([]byte{b})
			v |= int64(b&0x7f) << (7 * i)
			if b&0x80 == 0 {
				if i > 0 && b == 0 {
					return 0, errXZFormat
				}
				return v, nil
			}
		}
		return 0, errXZFormat
	}
	count, err := vli()
	if err != nil {
		return err
	}
	if count != int64(len(x.records)) {
		return fmt.Errorf("index lists %d blocks, the stream has %d", count, len(x.records))
	}
	for _, rec := range x.records {
		unpadded, err := vli()
		if err != nil {
			return err
		}
		size, err := vli()
		if err != nil {
			return err
		}
		if unpadded != rec.unpadded || size != rec.size {
			return errors.New("index differs from the blocks")
		}
	}
	var buf [12]byte
	pad := (4 - (x.r.n-start)%4) % 4
	if err := x.full(buf[:pad]); err != nil {
		return err
	}
	if !allZero(buf[:pad]) {
		return errors.New("index padding is not zero")
	}
	crc.Write(buf[:pad])
	size := x.r.n - start + 4
	if err := x.full(buf[:4]); err != nil {
		return err
	}
	if crc.Sum32() != binary.LittleEndian.Uint32(buf[:4]) {
		return errors.New("index CRC32 mismatch")
	}
	// The footer: CRC32, backward size, flags, "YZ".
	if err := x.full(buf[:12]); err != nil {
		return err
	}
	if crc32.ChecksumIEEE(buf[4:10]) != binary.LittleEndian.Uint32(buf[:4]) || buf[10] != 'Y' || buf[11] != 'Z' {
		return errors.New("bad stream footer")
	}
	if int64(binary.LittleEndian.Uint32(buf[4:8])+1)*4 != size || buf[8] != x.flags[0] || buf[9] != x.flags[1] {
		return errors.New("stream footer differs from the stream")
	}
	return nil
}

// padding reads the zero padding after a stream, in groups of four, then
// the next stream's header; io.EOF when the input ends.
func (x *xzReader) padding() error {
	zeros := 0
	for {
		b, err := x.r.r.Peek(1)
		if err == io.EOF {
			if zeros%4 != 0 {
				return errXZPadding
			}
			return io.EOF
		}
		if err != nil {
			return err
		}
		if b[0] != 0 {
			if zeros%4 != 0 {
				return errXZPadding
			}
			return x.streamHeader()
		}
		x.r.ReadByte()
		zeros++
	}
}

// readVLI decodes an xz variable-length integer from the start of b.
func readVLI(b []byte) (int64, []byte, error) {
	var v int64
	for i := 0; i < 9 && i < len(b); i++ {
		v |= int64(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			if i > 0 && b[i] == 0 {
				return 0, nil, errXZFormat
			}
			return v, b[i+1:], nil
		}
	}
	return 0, nil, errXZFormat
}

// checkMatches compares a block check field with h's sum: CRC32 and CRC64
// little-endian, as xz stores them, SHA-256 as bytes.
func checkMatches(h hash.Hash, field []byte) bool {
	switch h := h.(type) {
	case hash.Hash32:
		return binary.LittleEndian.Uint32(field) == h.Sum32()
	case hash.Hash64:
		return binary.LittleEndian.Uint64(field) == h.Sum64()
	}
	return bytes.Equal(h.Sum(nil), field)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
