// Package lzma2 decodes LZMA2 chunk sequences, the compression inside xz
// blocks, fast: each chunk's compressed bytes are read whole into a slice and
// the range decoder's state lives in local variables of one decoding loop, so
// that a bit costs a few arithmetic operations instead of a method call and a
// ReadByte (the design of the LZMA SDK's LzmaDec.c and xz-embedded).
package lzma2

import (
	"errors"
	"fmt"
	"io"
)

// ErrDistance is a match reaching farther back than the dictionary: with a
// dictionary smaller than the stream asks for, the content goes on past its
// size.
var ErrDistance = errors.New("lzma2: match distance beyond the dictionary")

// Errors of malformed input. errChunkEnd, errEndMarker and errProps name the checks the
// format asks for that other decoders (ulikunitz/xz) skip.
var (
	errCorrupt   = errors.New("lzma2: corrupt compressed data")
	errChunkEnd  = errors.New("lzma2: LZMA chunk does not end where its header says")
	errProps     = errors.New("lzma2: literal context and position bits lc+lp above 4")
	errChunkType = errors.New("lzma2: unexpected chunk type")
	errEndMarker = errors.New("lzma2: end marker inside an LZMA chunk")
)

const (
	numStates    = 12
	minMatchLen  = 2
	maxInput     = 1 << 16 // compressed bytes of a chunk, at most
	maxSymbolIn  = 64      // input a symbol can take: one byte per bit at most, 48 bits
	firstGrowth  = 64 << 10
	topValue     = 1 << 24
	probInit     = 1 << 10
	moveBits     = 5
	probBits     = 11
	distStates   = 4
	endPosModel  = 14
	fullDistance = 128
	alignBits    = 4
)

// Offsets in probs.p: the layout of LzmaDec.c, one array so that a reset is
// one loop.
const (
	offIsMatch    = 0
	offIsRep      = offIsMatch + numStates<<4
	offIsRepG0    = offIsRep + numStates
	offIsRepG1    = offIsRepG0 + numStates
	offIsRepG2    = offIsRepG1 + numStates
	offIsRep0Long = offIsRepG2 + numStates
	offDistSlot   = offIsRep0Long + numStates<<4
	offDistSpec   = offDistSlot + distStates<<6
	offAlign      = offDistSpec + fullDistance - endPosModel
	offMatchLen   = offAlign + 1<<alignBits
	offRepLen     = offMatchLen + lenProbs
	offLiteral    = offRepLen + lenProbs
	numProbs      = offLiteral + 0x300<<4 // lc+lp <= 4

	// Room after the probabilities for reading a tree's children past its
	// last level (see tree).
	probsPad = 512

	// A length coder: choice, choice2, low and mid trees per position
	// state, the high tree.
	lenChoice  = 0
	lenChoice2 = 1
	lenLow     = 2
	lenMid     = lenLow + 16<<3
	lenHigh    = lenMid + 16<<3
	lenProbs   = lenHigh + 256
)

// input holds a chunk's compressed bytes and zeros after them, room for
// the decoder to read ahead up to a symbol's end before it checks that it
// did not pass the chunk's end.
type input [maxInput + maxSymbolIn]byte

// Reader decodes an LZMA2 chunk sequence, up to and including its end
// marker; it reads no byte past it.
type Reader struct {
	r       io.Reader
	dictCap int // farthest back a match may reach
	err     error

	dict  []byte // circular, grown up to bufCap before the first wrap
	pos   int    // next write in dict
	start int    // first byte of dict[:pos] not yet returned
	full  int    // bytes since the dictionary reset, at most dictCap

	// Chunk state.
	needDictReset bool
	needProps     bool
	lzma          bool // the current chunk is LZMA (else stored)
	unpacked      int  // bytes the current chunk still gives
	in            *input
	ip, inEnd     int
	rng, code     uint32

	// LZMA state.
	lc, lp, pb             uint
	state                  uint32
	rep0, rep1, rep2, rep3 uint32
	pendLen                int // bytes of a match cut at the output limit
	probs                  [numProbs + probsPad]uint16
}

// NewReader returns a Reader of the LZMA2 data in r whose matches reach at
// most dictCap bytes back (the dictionary size of the xz block header, or
// less to bound memory: a farther match is then an error).
func NewReader(r io.Reader, dictCap int) *Reader {
	d := new(Reader)
	d.Reset(r, dictCap)
	return d
}

// Reset makes d read a new LZMA2 sequence from r, keeping its buffers.
func (d *Reader) Reset(r io.Reader, dictCap int) {
	d.r, d.dictCap, d.err = r, max(dictCap, 1), nil
	d.pos, d.start, d.full = 0, 0, 0
	d.needDictReset, d.needProps = true, true
	d.unpacked, d.pendLen = 0, 0
	d.dict = d.dict[:0]
}

// bufCap is the dictionary buffer's size: dictCap rounded up to a multiple
// of 16, so that the buffer position gives the position state (pb <= 4).
func (d *Reader) bufCap() int { return (d.dictCap + 15) &^ 15 }

// Read decodes into p. It returns io.EOF after the end marker.
func (d *Reader) Read(p []byte) (int, error) {
	for {
		if d.start < d.pos {
			n := copy(p, d.dict[d.start:d.pos])
			d.start += n
			return n, nil
		}
		if d.err != nil || len(p) == 0 {
			return 0, d.err
		}
		d.err = d.fill(len(p))
	}
}

// fill decodes up to want bytes into the dictionary, all output returned.
func (d *Reader) fill(want int) error {
	for d.unpacked == 0 {
		if err := d.chunkHeader(); err != nil {
			return err
		}
	}
	if d.pos == len(d.dict) {
		d.grow()
	}
	end := min(len(d.dict), d.pos+max(want, 4096), d.pos+d.unpacked)
	if !d.lzma {
		n, err := io.ReadFull(d.r, d.dict[d.pos:end])
		d.advance(n)
		d.unpacked -= n
		return unexpected(err)
	}
	if err := d.decode(end); err != nil {
		return err
	}
	if d.unpacked == 0 {
		if d.pendLen > 0 || d.ip != d.inEnd || d.code != 0 {
			return errChunkEnd
		}
	}
	return nil
}

// grow makes room at d.pos, which is at the end of the buffer: a bigger
// buffer up to bufCap (a small file never needs its header's dictionary
// size), then back to the start.
func (d *Reader) grow() {
	if n := len(d.dict); n < d.bufCap() {
		if n == cap(d.dict) {
			size := min(max(2*n, firstGrowth), d.bufCap())
			d.dict = append(make([]byte, 0, size), d.dict...)
		}
		d.dict = d.dict[:min(cap(d.dict), d.bufCap())]
		return
	}
	d.pos, d.start = 0, 0
}

func (d *Reader) advance(n int) {
	d.pos += n
	d.full = min(d.full+n, d.dictCap)
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// chunkHeader reads the next chunk's header and, for an LZMA chunk, its
// compressed bytes. It follows the state rules of xz's LZMA2: the first
// chunk resets the dictionary, the first LZMA chunk after a dictionary
// reset sets the properties.
func (d *Reader) chunkHeader() error {
	var h [6]byte
	if _, err := io.ReadFull(d.r, h[:1]); err != nil {
		return unexpected(err)
	}
	c := h[0]
	switch {
	case c == 0:
		return io.EOF
	case c >= 0xe0 || c == 1:
		d.needProps, d.needDictReset = true, false
		d.pos, d.start, d.full = 0, 0, 0
	case d.needDictReset:
		return errChunkType
	}
	if c < 0x80 {
		if c > 2 {
			return errChunkType
		}
		if _, err := io.ReadFull(d.r, h[1:3]); err != nil {
			return unexpected(err)
		}
		d.lzma = false
		d.unpacked = int(h[1])<<8 | int(h[2]) + 1
		return nil
	}
	n := 5
	if c >= 0xc0 {
		n = 6
	}
	if _, err := io.ReadFull(d.r, h[1:n]); err != nil {
		return unexpected(err)
	}
	switch {
	case c >= 0xc0:
		if err := d.setProps(h[5]); err != nil {
			return err
		}
		d.needProps = false
		d.resetState()
	case d.needProps:
		return errChunkType
	case c >= 0xa0:
		d.resetState()
	}
	d.lzma = true
	d.unpacked = int(c&0x1f)<<16 | int(h[1])<<8 | int(h[2]) + 1
	packed := int(h[3])<<8 | int(h[4]) + 1
	if d.in == nil {
		d.in = new(input)
	}
	if _, err := io.ReadFull(d.r, d.in[:packed]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: %w", errChunkEnd, io.ErrUnexpectedEOF)
		}
		return err
	}
	clear(d.in[packed:])
	// The range decoder's first byte is zero, the next four are the code.
	if packed < 5 || d.in[0] != 0 {
		return errCorrupt
	}
	d.code = uint32(d.in[1])<<24 | uint32(d.in[2])<<16 | uint32(d.in[3])<<8 | uint32(d.in[4])
	d.rng = 0xffffffff
	if d.code == d.rng {
		return errCorrupt
	}
	d.ip, d.inEnd = 5, packed
	return nil
}

func (d *Reader) setProps(b byte) error {
	if b >= 9*5*5 {
		return fmt.Errorf("lzma2: bad properties byte %#x", b)
	}
	lc, lp, pb := uint(b%9), uint(b/9%5), uint(b/45)
	if lc+lp > 4 {
		return errProps
	}
	d.lc, d.lp, d.pb = lc, lp, pb
	return nil
}

func (d *Reader) resetState() {
	for i := range d.probs {
		d.probs[i] = probInit
	}
	d.state, d.rep0, d.rep1, d.rep2, d.rep3 = 0, 0, 0, 0, 0
	d.pendLen = 0
}
