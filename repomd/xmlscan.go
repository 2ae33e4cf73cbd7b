package repomd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"unicode/utf8"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// Limits that keep hostile input from exhausting memory. A token must fit in
// the buffer whole, so the buffer grows to at most the largest limit.
const (
	scanChunkSize = 256 << 10 // bytes read at a time
	maxNameLen    = 64 << 10  // element and attribute names, attribute values
	maxTagLen     = 1 << 20   // a whole start tag with its attributes
	maxTextLen    = 16 << 20  // text, comments, CDATA, processing instructions
	maxDepth      = 256       // element nesting
	maxEmptyReads = 100       // io.Reader returning 0, nil this often is broken
)

// tokenKind is what xmlScanner.next found.
type tokenKind uint8

const (
	tokEOF   tokenKind = iota // end of a well-formed document
	tokStart                  // start tag, possibly self-closing
	tokEnd                    // end tag
	tokText                   // character data, CDATA included
)

// xmlAttr is one attribute; both slices are only valid until the next call to
// next.
type xmlAttr struct {
	name, value []byte
}

// xmlScanner is a streaming, non-validating XML tokenizer over large buffered
// reads. It hands out views into its buffer rather than copies: every slice it
// returns is valid only until the next call to next. It checks that tags nest
// and match, expands only the five predefined entities and character
// references, and skips comments, processing instructions and DOCTYPE.
// Namespace prefixes are not resolved: "rpm:entry" is simply a name.
type xmlScanner struct {
	r    io.Reader
	file string // for error messages

	buf  []byte
	pos  int   // next unread byte in buf
	end  int   // end of valid data in buf
	base int64 // stream offset of buf[0]
	eof  bool  // r has no more data
	rerr error // read error other than io.EOF

	// Lines are counted only as bytes leave the buffer, and within it only
	// when an error needs a position.
	lines   lineCounter // the lines before base
	markOff int64       // an offset that may need a position after it leaves the buffer
	markPos Position    // its position, once it has left (Line > 0)

	// The current token.
	name        []byte    // start and end tags
	attrs       []xmlAttr // start tags
	selfClosing bool      // start tag ended with "/>"
	text        []byte    // text tokens
	offset      int64     // stream offset where the token starts

	stack      []int  // start of each open element's name in names
	names      []byte // names of open elements, concatenated
	rootSeen   bool
	rootClosed bool

	scratch  []byte // decoded attribute values and text; cap >= len(buf)
	textCopy []byte // textContent's result, which outlives the next token

	checked int64            // stream offset up to which the characters are valid
	pre     validatingReader // r, when it checks characters itself; else nil
}

// validatingReader is a reader that checks the characters of what it
// returns, as checkChars does, in a goroutine of its own (decompress's
// decoder): validated returns the stream offset up to which the bytes
// returned so far are known to be valid.
type validatingReader interface {
	validated() int64
}

// utf8BOM may start a document; expat and libxml2 skip it.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func newXMLScanner(r io.Reader, file string) *xmlScanner {
	s := &xmlScanner{r: r, file: file, buf: make([]byte, scanChunkSize)}
	s.pre, _ = r.(validatingReader)
	for empty := 0; s.end < len(utf8BOM) && !s.eof; {
		n, err := r.Read(s.buf[s.end:len(utf8BOM)])
		s.end += n
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			s.eof, s.rerr = true, err
		case n == 0:
			if empty++; empty == maxEmptyReads {
				s.eof, s.rerr = true, io.ErrNoProgress
			}
		}
	}
	if bytes.Equal(s.buf[:s.end], utf8BOM) {
		s.base, s.checked, s.end = int64(len(utf8BOM)), int64(len(utf8BOM)), 0
	}
	s.checkChars()
	return s
}

// checkChars rejects, as expat and libxml2 do, bytes that are no XML
// character anywhere in a document: invalid UTF-8 and the control
// characters but tab, newline and carriage return. The input is cut at the
// first such byte and the error reported there, in stream order.
func (s *xmlScanner) checkChars() {
	if s.pre != nil {
		// What the reader checked needs no second look.
		s.checked = max(s.checked, min(s.pre.validated(), s.base+int64(s.end)))
	}
	// Fast path over the new bytes, up to the last whole rune: no control
	// character but the allowed three, and valid UTF-8 (utf8.Valid skips
	// ASCII 32 bytes at a time). Else checkCharsSlow finds the culprit.
	from := int(s.checked - s.base)
	end := s.end
	if !s.eof {
		end = lastWholeRune(s.buf[from:s.end]) + from
	}
	if chunk := s.buf[from:end]; controlsOK(chunk) && utf8.Valid(chunk) {
		s.checked = s.base + int64(end)
		return
	}
	s.checkCharsSlow()
}

// lastWholeRune returns the length of the longest prefix of b that does
// not end inside a rune (a rune the next read may complete).
func lastWholeRune(b []byte) int {
	for k := len(b) - 1; k >= 0 && k >= len(b)-utf8.UTFMax; k-- {
		if !utf8.RuneStart(b[k]) {
			continue
		}
		if utf8.FullRune(b[k:]) {
			return len(b)
		}
		return k
	}
	return len(b)
}

const (
	lanes    = 0x0101010101010101 // 1 in each byte lane of a uint64
	laneHigh = 0x8080808080808080
	laneLow7 = 0x7f7f7f7f7f7f7f7f
)

// controlsOK reports whether b holds no byte below 0x20 but tab, newline
// and carriage return, 32 bytes at a time.
func controlsOK(b []byte) bool {
	i := 0
	for ; i+32 <= len(b); i += 32 {
		w0 := binary.LittleEndian.Uint64(b[i:])
		w1 := binary.LittleEndian.Uint64(b[i+8:])
		w2 := binary.LittleEndian.Uint64(b[i+16:])
		w3 := binary.LittleEndian.Uint64(b[i+24:])
		if (w0|w1|w2|w3)&laneHigh == 0 &&
			(asciiControls(w0)|asciiControls(w1)|asciiControls(w2)|asciiControls(w3))&laneHigh == 0 {
			continue // the common case: ASCII, newlines the only controls
		}
		if badControls(w0)|badControls(w1)|badControls(w2)|badControls(w3) != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// asciiControls sets the high bit of the lanes of w below 0x20 but newline,
// w being all ASCII: w+0x60 reaches 0x80 in a lane exactly from 0x20 up,
// (w^'\n')+0x7f exactly where the lane is no newline, and neither carries
// into the next lane.
func asciiControls(w uint64) uint64 {
	return ^(w + 0x60*lanes) & ((w ^ '\n'*lanes) + 0x7f*lanes)
}

// badControls returns the high bits of the lanes of w below 0x20 but tab,
// newline and carriage return, exactly for any bytes.
func badControls(w uint64) uint64 {
	below := ^((w&laneLow7 + 0x60*lanes) | w) & laneHigh
	return below &^ (laneIs(w, '\t') | laneIs(w, '\n') | laneIs(w, '\r'))
}

// laneIs returns the high bits of the lanes of w equal to c.
func laneIs(w uint64, c byte) uint64 {
	return laneNot(w, c) ^ laneHigh
}

// checkCharsSlow is checkChars byte by byte, which finds where the input
// goes wrong.
func (s *xmlScanner) checkCharsSlow() {
	b := s.buf[:s.end]
	i := int(s.checked - s.base)
	for i < len(b) {
		// Eight printable ASCII bytes at a time.
		if i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if (w|(w-0x20*lanes))&laneHigh == 0 {
				i += 8
				continue
			}
		}
		c := b[i]
		switch {
		case c >= 0x20 && c < utf8.RuneSelf || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c >= utf8.RuneSelf:
			if !utf8.FullRune(b[i:]) && !s.eof {
				s.checked = s.base + int64(i)
				return // the rest of the rune is still to come
			}
			if r, size := utf8.DecodeRune(b[i:]); r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			s.rerr = errors.New("invalid UTF-8")
		default:
			s.rerr = fmt.Errorf("control character %#02x, not allowed in XML", c)
		}
		s.eof, s.end = true, i
		break
	}
	s.checked = s.base + int64(i)
}

// depth is the number of open elements.
func (s *xmlScanner) depth() int { return len(s.stack) }

// children calls visit for each start tag inside the element whose start
// tag was just scanned, until that element ends. visit either consumes the
// element it is called on (skipElement, textContent...) or leaves it open,
// and then its children are visited in turn.
func (s *xmlScanner) children(visit func() error) error {
	if s.selfClosing {
		return nil
	}
	depth := s.depth()
	for {
		k, err := s.nextTag()
		if err != nil {
			return err
		}
		switch {
		case k == tokEnd && s.depth() < depth:
			return nil
		case k == tokStart:
			if err := visit(); err != nil {
				return err
			}
		}
	}
}

// mark remembers the offset of the current token, so that errorf can still
// give its line and column after it has left the buffer, and returns it.
func (s *xmlScanner) mark() int64 {
	s.markOff, s.markPos = s.offset, Position{}
	return s.offset
}

// position returns the position of stream offset off: any offset still in
// the buffer, or the marked one.
func (s *xmlScanner) position(off int64) Position {
	switch {
	case off >= s.base && off <= s.base+int64(s.end):
		return s.lines.position(s.file, s.buf[:s.end], s.base, off)
	case off == s.markOff && s.markPos.Line > 0:
		return s.markPos
	}
	return Position{File: s.file, Offset: off}
}

// errorf reports a problem at stream offset off. An error argument formatted
// with %w is the ParseError's Err.
func (s *xmlScanner) errorf(off int64, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &ParseError{Pos: s.position(off), Msg: err.Error(), Err: errors.Unwrap(err)}
}

// errorAt reports a problem at position i of buf.
func (s *xmlScanner) errorAt(i int, format string, args ...any) error {
	return s.errorf(s.base+int64(i), format, args...)
}

// fill reads more input, keeping buf[pos:end] (the incomplete token) and
// moving it to the front. It reports whether new bytes arrived.
func (s *xmlScanner) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		if s.markOff >= s.base && s.markOff < s.base+int64(s.pos) {
			s.markPos = s.position(s.markOff)
		}
		s.lines.skip(s.buf[:s.pos], s.base)
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		// One token fills the whole buffer; the callers' limits bound this.
		grown := make([]byte, 2*len(s.buf))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	// The incomplete token is scanned again from its start, so read at least
	// as much again (or up to a full buffer): however little each Read
	// returns, rescanning then costs O(n) overall rather than O(n²).
	target := min(len(s.buf), max(2*s.end, s.end+1))
	got := false
	for empty := 0; s.end < target; {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if n > 0 {
			got, empty = true, 0
		}
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.rerr = err
			}
			s.checkChars()
			return got
		}
		if n == 0 {
			if empty++; empty == maxEmptyReads {
				s.eof, s.rerr = true, io.ErrNoProgress
				s.checkChars()
				return got
			}
		}
	}
	s.checkChars()
	return true
}

// more is called when the token at pos is incomplete. It fails when the
// token already exceeds limit or the input ends.
func (s *xmlScanner) more(limit int, what string) error {
	if s.end-s.pos >= limit {
		return s.errorAt(s.pos, "%s longer than %d bytes", what, limit)
	}
	if s.fill() {
		return nil
	}
	if s.rerr != nil {
		return s.readError()
	}
	return s.errorAt(s.end, "unexpected end of input inside %s", what)
}

// readError reports the read error at the end of the input read so far.
func (s *xmlScanner) readError() error {
	return s.errorAt(s.end, "%w", s.rerr)
}

// next scans the next token. On tokStart, name, attrs and selfClosing are set
// (a self-closing tag yields no tokEnd); on tokEnd, name; on tokText, text.
func (s *xmlScanner) next() (tokenKind, error) { return s.scan(true) }

// nextTag is next for callers that ignore text: text is still scanned and
// checked, but not returned, which saves a round trip per indentation.
func (s *xmlScanner) nextTag() (tokenKind, error) { return s.scan(false) }

// scan is next, returning text tokens only when wantText is set.
func (s *xmlScanner) scan(wantText bool) (tokenKind, error) {
	for {
		if s.pos >= s.end {
			if !s.fill() {
				return s.atEOF()
			}
			continue
		}
		if s.buf[s.pos] != '<' {
			// Fast path for the indentation between elements: white space
			// up to a tag needs no search for references or CDATA.
			i := skipSpace(s.buf[:s.end], s.pos)
			if i+1 < s.end && s.buf[i] == '<' && s.buf[i+1] != '!' {
				s.text = s.buf[s.pos:i:i]
				s.offset = s.base + int64(s.pos)
				s.pos = i
			} else if err := s.scanText(); err != nil {
				return tokEOF, err
			}
			if len(s.stack) == 0 || !wantText {
				continue // white space around the root element, or text not wanted
			}
			return tokText, nil
		}
		if s.pos+1 >= s.end {
			if err := s.more(maxTagLen, "tag"); err != nil {
				return tokEOF, err
			}
			continue
		}
		switch s.buf[s.pos+1] {
		case '/':
			return s.scanEndTag()
		case '?':
			if err := s.skipUntil(len("<?"), "?>", "processing instruction"); err != nil {
				return tokEOF, err
			}
		case '!':
			skipped, err := s.scanBang()
			if err != nil {
				return tokEOF, err
			}
			if !skipped { // a CDATA section, which is text
				if err := s.scanText(); err != nil {
					return tokEOF, err
				}
				if wantText {
					return tokText, nil
				}
			}
		default:
			return s.scanStartTag()
		}
	}
}

// atEOF checks that the input may end here.
func (s *xmlScanner) atEOF() (tokenKind, error) {
	switch {
	case s.rerr != nil:
		return tokEOF, s.readError()
	case len(s.stack) > 0:
		return tokEOF, s.errorAt(s.end, "unexpected end of input inside <%s>", s.names[s.stack[len(s.stack)-1]:])
	case !s.rootSeen:
		return tokEOF, s.errorAt(s.end, "no root element")
	}
	return tokEOF, nil
}

// Byte classes: charClasses[c] has the bits of the classes c belongs to. It
// is a string so that it is constant; only bytes below 0x40 belong to any.
const (
	classSpace       = 1 << iota // XML white space
	classNameStop                // ends an element or attribute name
	classAttrSpecial             // ends the fast path through an attribute value

	noClass16 = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	noClass64 = noClass16 + noClass16 + noClass16 + noClass16

	charClasses = "" +
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x07\x00\x00\x07\x00\x00" + // \t \n \r
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00" +
		"\x03\x00\x06\x00\x00\x00\x04\x06\x00\x00\x00\x00\x00\x00\x00\x02" + // space " & ' /
		"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x02\x02\x00" + // < = >
		noClass64 + noClass64 + noClass64
)

// isSpace reports whether c is XML white space.
func isSpace(c byte) bool { return charClasses[c]&classSpace != 0 }

// isNameStop reports whether c ends an element or attribute name.
func isNameStop(c byte) bool { return charClasses[c]&classNameStop != 0 }

// isAttrSpecial reports whether c ends the fast path through an attribute value.
func isAttrSpecial(c byte) bool { return charClasses[c]&classAttrSpecial != 0 }

// attrSpecialMask returns a non-zero mask when one of the eight bytes in w
// may need attention in an attribute value: a quote or '&' (among the bytes
// below 0x28, with the control characters), or '<'. The lowest set bit marks
// the first such byte exactly; higher bits may be false alarms from borrows.
func attrSpecialMask(w uint64) uint64 {
	y := w ^ '<'*lanes // zero bytes were '<'
	return ((w-0x28*lanes)&^w | (y-lanes)&^y) & laneHigh
}

// scanStartTag scans "<name attr='v'...>" at pos.
func (s *xmlScanner) scanStartTag() (tokenKind, error) {
	for {
		done, err := s.parseStartTag()
		if err != nil {
			return tokEOF, err
		}
		if done {
			break
		}
		if err := s.more(maxTagLen, "tag"); err != nil {
			return tokEOF, err
		}
	}
	if len(s.stack) == 0 {
		if s.rootClosed {
			return tokEOF, s.errorAt(int(s.offset-s.base), "second root element <%s>", s.name)
		}
		s.rootSeen = true
		if s.selfClosing {
			s.rootClosed = true
		}
	}
	if !s.selfClosing {
		if len(s.stack) >= maxDepth {
			return tokEOF, s.errorf(s.offset, "elements nested deeper than %d", maxDepth)
		}
		s.stack = append(s.stack, len(s.names))
		s.names = append(s.names, s.name...)
	}
	return tokStart, nil
}

// parseStartTag parses the start tag at pos. It returns false, nil when the
// tag does not end within the buffer, so that the caller can read more and
// start again.
func (s *xmlScanner) parseStartTag() (bool, error) {
	// Index from the tag's start, so that the compiler can prove most
	// indexes in bounds.
	start := s.pos
	b := s.buf[start:s.end]
	i := 1
	for i < len(b) && !isNameStop(b[i]) {
		i++
	}
	if i == len(b) {
		return false, nil
	}
	if i == 1 {
		return false, s.errorAt(start, "invalid character %q after <", b[i])
	}
	if i-1 > maxNameLen {
		return false, s.errorAt(start, "element name longer than %d bytes", maxNameLen)
	}
	name := b[1:i]
	s.attrs, s.scratch = s.attrs[:0], s.scratch[:0]
	for {
		// Fast path for the common form ` name="value"`: a short name of
		// letters and a value with nothing to decode. Anything else, or an
		// attribute the buffer cuts, takes the general path from the space.
		if i+9 < len(b) && b[i] == ' ' {
			ns := i + 1
			if k := shortNameLen(binary.LittleEndian.Uint64(b[ns:])); k > 0 && b[ns+k] == '=' && b[ns+k+1] == '"' {
				vs := ns + k + 2
				end, special := attrValueEnd(b, vs, '"')
				if end < len(b) && b[end] == '"' && !special && end-vs <= maxNameLen {
					s.addAttr(b[ns:ns+k], b[vs:end])
					i = end + 1
					continue
				}
			}
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		c := b[i]
		if c == '>' {
			i++
			s.selfClosing = false
			break
		}
		if c == '/' {
			if i+1 == len(b) {
				return false, nil
			}
			if b[i+1] != '>' {
				return false, s.errorAt(start+i, "expected /> in <%s>", name)
			}
			i += 2
			s.selfClosing = true
			break
		}
		if !isSpace(b[i-1]) {
			return false, s.errorAt(start+i, "expected space before attribute in <%s>", name)
		}
		var err error
		if i, err = s.parseAttr(b, i, start, name); i < 0 || err != nil {
			return false, err
		}
	}
	if a := repeatedAttr(s.attrs); a != nil {
		return false, s.errorAt(start, "attribute %s repeated in <%s>", a, name)
	}
	s.scratch = s.scratch[:0]
	s.name = name
	s.offset = s.base + int64(start)
	s.pos = start + i
	return true, nil
}

// repeatedAttr returns the name of an attribute that attrs hold twice,
// which expat and libxml2 (hence dnf) reject, or nil.
func repeatedAttr(attrs []xmlAttr) []byte {
	if len(attrs) > 16 {
		// A hostile tag may hold many thousands: no quadratic search.
		seen := make(map[string]bool, len(attrs))
		for _, a := range attrs {
			if seen[string(a.name)] {
				return a.name
			}
			seen[string(a.name)] = true
		}
		return nil
	}
	// A bit per length and last byte: names that differ in either are
	// distinct, which most tags show without comparing any two.
	var seen uint64
	for i, a := range attrs {
		bit := uint64(1) << ((uint(len(a.name)) ^ uint(a.name[len(a.name)-1])) & 63)
		if seen&bit != 0 {
			for _, b := range attrs[:i] {
				if bytes.Equal(a.name, b.name) {
					return a.name
				}
			}
		}
		seen |= bit
	}
	return nil
}

// parseAttr parses the attribute at b[i] of the start tag <tag...> at
// buf[start:], b being buf[start:end], and appends it to attrs. It returns
// the index in b after the attribute, or -1 when the tag does not end
// within the buffer. A value with references or white space to normalise is
// decoded into scratch.
func (s *xmlScanner) parseAttr(b []byte, i, start int, tag []byte) (int, error) {
	ns := i
	for i < len(b) && !isNameStop(b[i]) {
		i++
	}
	if i == len(b) {
		return -1, nil
	}
	if i == ns {
		return -1, s.errorAt(start+i, "invalid character %q in <%s>", b[i], tag)
	}
	name := b[ns:i]
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return -1, nil
	}
	if b[i] != '=' {
		return -1, s.errorAt(start+i, "attribute %s without value in <%s>", name, tag)
	}
	i++
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return -1, nil
	}
	quote := b[i]
	if quote != '"' && quote != '\'' {
		return -1, s.errorAt(start+i, "unquoted value of attribute %s in <%s>", name, tag)
	}
	i++
	vs := i
	i, special := attrValueEnd(b, i, quote)
	switch {
	case i == len(b):
		return -1, nil
	case b[i] == '<':
		return -1, s.errorAt(start+i, "< in value of attribute %s", name)
	case i-vs > maxNameLen:
		return -1, s.errorAt(start+vs, "value of attribute %s longer than %d bytes", name, maxNameLen)
	}
	value := b[vs:i]
	if special {
		if cap(s.scratch) < len(s.buf) {
			// Decoding never lengthens, so a scratch buffer as long as
			// the buffer never needs to grow.
			s.scratch = make([]byte, 0, len(s.buf))
		}
		n := len(s.scratch)
		var err error
		if s.scratch, err = s.decode(s.scratch, value, start+vs, true); err != nil {
			return -1, err
		}
		value = s.scratch[n:len(s.scratch):len(s.scratch)]
	}
	s.addAttr(name, value)
	return i + 1, nil
}

// addAttr appends an attribute to attrs, field by field: a whole xmlAttr
// built on the stack and copied stalls on store forwarding.
func (s *xmlScanner) addAttr(name, value []byte) {
	n := len(s.attrs)
	if n == cap(s.attrs) {
		s.attrs = append(s.attrs, xmlAttr{})
	}
	s.attrs = s.attrs[:n+1]
	a := &s.attrs[n]
	a.name, a.value = name, value
}

// shortNameLen returns the length of the name that w, eight bytes of a tag,
// starts with when a byte below 0x40 ends it within the eight (the first
// such byte is exact); 0 when none does. Bytes from 0x40 up are all name
// characters, so the caller need only check which byte ended the name.
func shortNameLen(w uint64) int {
	t := w & (0xc0 * lanes) // zero exactly in the lanes below 0x40
	m := (t - lanes) &^ t & laneHigh
	if m == 0 {
		return 0
	}
	return bits.TrailingZeros64(m) >> 3
}

// attrValueEnd returns the index of the quote that ends the attribute value
// starting at b[i], of a '<' before it (not allowed), or len(b) when the
// buffer ends first. special reports references or white space that
// decoding must expand or normalise.
func attrValueEnd(b []byte, i int, quote byte) (end int, special bool) {
	for {
		// Skip eight plain bytes at a time; stop at a byte that may be
		// special.
		if i+8 <= len(b) {
			m := attrSpecialMask(binary.LittleEndian.Uint64(b[i:]))
			if m == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(m) >> 3
		} else if i == len(b) {
			return i, special
		}
		if c := b[i]; isAttrSpecial(c) {
			if c == quote || c == '<' {
				return i, special
			}
			if c == '&' || c == '\t' || c == '\n' || c == '\r' {
				special = true
			}
		}
		i++
	}
}

// skipSpace returns the index of the first byte from b[i] on that is no
// white space, or len(b). Indentation, a newline and spaces, goes eight
// bytes at a time.
func skipSpace(b []byte, i int) int {
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		m := laneNot(w, ' ') & laneNot(w, '\n')
		if m == 0 {
			i += 8
			continue
		}
		i += bits.TrailingZeros64(m) >> 3
		break
	}
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// laneNot returns the high bits of the lanes of w other than c.
func laneNot(w uint64, c byte) uint64 {
	x := w ^ uint64(c)*lanes
	return ((x&laneLow7 + laneLow7) | x) & laneHigh
}

// simpleTag describes a self-closing start tag that scanSimple recognises
// without the general path: its name, and the attributes it may have in the
// order they are written, each optional and named in at most five bytes.
type simpleTag struct {
	name  string
	attrs []attrPattern
}

// attrPattern is ` name="` packed for one comparison with eight input bytes:
// the bytes, a mask of the lanes they fill, and their count.
type attrPattern struct {
	word, mask uint64
	n          int
}

func newSimpleTag(name string, attrs ...string) *simpleTag {
	t := &simpleTag{name: name}
	for _, a := range attrs {
		if len(a) > 5 {
			panic("simpleTag attribute name " + a + " longer than five bytes")
		}
		var p [8]byte
		n := copy(p[:], " "+a+`="`)
		t.attrs = append(t.attrs, attrPattern{word: binary.LittleEndian.Uint64(p[:]), mask: 1<<(8*n) - 1, n: n})
	}
	return t
}

// scanSimple is a fast path for a tag that the document repeats many times
// (primary's <rpm:entry>). When the input at pos is white space and then the
// self-closing tag t inside the root element, whole in the buffer, with its
// attributes one space apart in t's order and values that need no decoding,
// it consumes them as next would and reports true, with vals[k] set to the
// value of t's attribute k for each bit k of present (vals must be as long
// as t.attrs). Otherwise it consumes nothing: next then scans the same input
// the general way, with the same result or error.
func (s *xmlScanner) scanSimple(t *simpleTag, vals [][]byte) (present uint, ok bool) {
	b := s.buf[:s.end]
	start := skipSpace(b, s.pos)
	i := start + 1 + len(t.name)
	if i > len(b) || len(s.stack) == 0 || b[start] != '<' || string(b[start+1:i]) != t.name {
		return 0, false
	}
	for k, a := range t.attrs {
		if i+8 > len(b) {
			return 0, false
		}
		if b[i] != ' ' {
			break // the end of the tag, or no attribute the fast path takes
		}
		if binary.LittleEndian.Uint64(b[i:])&a.mask != a.word {
			continue
		}
		// The value ends at the first '"'; '&', '<' and the white space
		// that decoding turns into spaces all leave the fast path.
		vs := i + a.n
		end := vs
		for {
			if end+8 > len(b) {
				return 0, false
			}
			m := attrSpecialMask(binary.LittleEndian.Uint64(b[end:]))
			if m == 0 {
				end += 8
				continue
			}
			end += bits.TrailingZeros64(m) >> 3
			if c := b[end]; c == '"' {
				break
			} else if c == '&' || c == '<' || c < ' ' {
				return 0, false
			}
			end++ // a space, '!', '#'-'%' or '\''
		}
		if end-vs > maxNameLen {
			return 0, false
		}
		vals[k] = b[vs:end:end]
		present |= 1 << k
		i = end + 1
	}
	if i+2 > len(b) || b[i] != '/' || b[i+1] != '>' {
		return 0, false
	}
	s.name = b[start+1 : start+1+len(t.name)]
	s.attrs = s.attrs[:0]
	s.selfClosing = true
	s.offset = s.base + int64(start)
	s.pos = i + 2
	return present, true
}

// scanEndTag scans "</name>" at pos and closes the innermost element.
func (s *xmlScanner) scanEndTag() (tokenKind, error) {
	for {
		b := s.buf[:s.end]
		start := s.pos
		i := start + 2
		for i < len(b) && !isNameStop(b[i]) {
			i++
		}
		name := b[start+2 : i]
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i == len(b) {
			if err := s.more(maxTagLen, "end tag"); err != nil {
				return tokEOF, err
			}
			continue
		}
		if b[i] != '>' {
			return tokEOF, s.errorAt(i, "invalid character %q in end tag </%s", b[i], name)
		}
		if len(s.stack) == 0 {
			return tokEOF, s.errorAt(start, "end tag </%s> without start tag", name)
		}
		top := len(s.stack) - 1
		if open := s.names[s.stack[top]:]; !bytes.Equal(name, open) {
			return tokEOF, s.errorAt(start, "end tag </%s> does not match <%s>", name, open)
		}
		s.names = s.names[:s.stack[top]]
		s.stack = s.stack[:top]
		if top == 0 {
			s.rootClosed = true
		}
		s.name = name
		s.offset = s.base + int64(start)
		s.pos = i + 1
		return tokEnd, nil
	}
}

// skipUntil skips a construct at pos that opens with open bytes and ends
// with terminator.
func (s *xmlScanner) skipUntil(open int, terminator, what string) error {
	for {
		// Search after the opening so that "<?>" or "<!-->" cannot end themselves.
		if s.end-s.pos >= open {
			if k := bytes.Index(s.buf[s.pos+open:s.end], []byte(terminator)); k >= 0 {
				s.pos += open + k + len(terminator)
				return nil
			}
		}
		if err := s.more(maxTextLen, what); err != nil {
			return err
		}
	}
}

// scanBang handles "<!" at pos: it skips a comment or DOCTYPE and reports
// true, or reports false for a CDATA section, which is text.
func (s *xmlScanner) scanBang() (bool, error) {
	for {
		b := s.buf[s.pos:s.end]
		switch {
		case bytes.HasPrefix(b, []byte("<!--")):
			return true, s.skipUntil(len("<!--"), "-->", "comment")
		case bytes.HasPrefix(b, []byte("<![CDATA[")):
			if len(s.stack) == 0 {
				return false, s.errorAt(s.pos, "CDATA section outside the root element")
			}
			return false, nil
		case bytes.HasPrefix(b, []byte("<!DOCTYPE")):
			if s.rootSeen {
				return false, s.errorAt(s.pos, "DOCTYPE after the root element started")
			}
			return true, s.skipDoctype()
		case !bytes.HasPrefix([]byte("<!--"), b) && !bytes.HasPrefix([]byte("<![CDATA["), b) && !bytes.HasPrefix([]byte("<!DOCTYPE"), b):
			// Decided on the bytes alone, so that the error does not
			// depend on how much input has arrived.
			return false, s.errorAt(s.pos, "unexpected markup after <!")
		}
		if err := s.more(maxTagLen, "markup"); err != nil {
			return false, err
		}
	}
}

// skipDoctype skips "<!DOCTYPE ...>", internal subset and quoted strings
// included.
func (s *xmlScanner) skipDoctype() error {
	for {
		b := s.buf[:s.end]
		nest := 0
		for i := s.pos + 2; i < len(b); i++ {
			switch b[i] {
			case '"', '\'':
				k := bytes.IndexByte(b[i+1:], b[i])
				if k < 0 {
					i = len(b)
					continue
				}
				i += 1 + k
			case '[':
				nest++
			case ']':
				nest--
			case '>':
				if nest <= 0 {
					s.pos = i + 1
					return nil
				}
			}
		}
		if err := s.more(maxTextLen, "DOCTYPE"); err != nil {
			return err
		}
	}
}

// scanText scans character data at pos up to the next tag, merging in CDATA
// sections and dropping comments, and expands references. Outside the root
// element only white space is allowed.
func (s *xmlScanner) scanText() error {
	for {
		end, special, complete, err := s.findTextEnd()
		if err != nil {
			return err
		}
		if !complete {
			// Unlike a tag, text may run to the end of input (white space
			// after the root element): once fill has seen the end,
			// findTextEnd completes the text or reports what is unterminated.
			if s.end-s.pos >= maxTextLen {
				return s.errorAt(s.pos, "text longer than %d bytes", maxTextLen)
			}
			if !s.fill() && s.rerr != nil {
				return s.readError()
			}
			continue
		}
		start := s.pos
		text := s.buf[start:end:end]
		if special || bytes.IndexByte(text, '&') >= 0 {
			if cap(s.scratch) < len(s.buf) {
				s.scratch = make([]byte, 0, len(s.buf))
			}
			if text, err = s.decodeText(s.scratch[:0], text, start); err != nil {
				return err
			}
		}
		if len(s.stack) == 0 {
			// Only white space and comments may surround the root element.
			if i := bytes.IndexFunc(text, func(r rune) bool { return r >= utf8.RuneSelf || !isSpace(byte(r)) }); i >= 0 {
				return s.errorAt(start, "text outside the root element")
			}
		}
		s.text = text
		s.offset = s.base + int64(start)
		s.pos = end
		return nil
	}
}

// findTextEnd finds where the text at pos ends: at a tag, or at the end of
// input. special reports CDATA sections or comments inside it. complete is
// false when the buffer ends first.
func (s *xmlScanner) findTextEnd() (end int, special, complete bool, err error) {
	b := s.buf[:s.end]
	i := s.pos
	for {
		k := bytes.IndexByte(b[i:], '<')
		if k < 0 {
			return len(b), special, s.eof, nil
		}
		i += k
		if i+1 < len(b) && b[i+1] != '!' {
			return i, special, true, nil
		}
		rest := b[i:]
		var term string
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			term = "]]>"
		case bytes.HasPrefix(rest, []byte("<!--")):
			term = "-->"
		case len(rest) < len("<![CDATA[") && !s.eof:
			return 0, false, false, nil // cannot tell yet
		default:
			return i, special, true, nil // a tag, or markup next will reject
		}
		open := len("<!--")
		if term == "]]>" {
			open = len("<![CDATA[")
		}
		k = bytes.Index(rest[open:], []byte(term))
		if k < 0 {
			if s.eof {
				return 0, false, false, s.errorAt(i, "unterminated %s", rest[:open])
			}
			return 0, false, false, nil
		}
		i += open + k + len(term)
		special = true
	}
}

// decodeText appends raw text to dst with references expanded, CDATA sections
// unwrapped and comments dropped. at is raw's position in buf.
func (s *xmlScanner) decodeText(dst, raw []byte, at int) ([]byte, error) {
	for len(raw) > 0 {
		k := bytes.IndexByte(raw, '<')
		if k < 0 {
			k = len(raw)
		}
		var err error
		if dst, err = s.decode(dst, raw[:k], at, false); err != nil {
			return nil, err
		}
		raw, at = raw[k:], at+k
		if len(raw) == 0 {
			break
		}
		// findTextEnd only lets complete CDATA sections and comments through.
		if bytes.HasPrefix(raw, []byte("<![CDATA[")) {
			body := raw[len("<![CDATA["):]
			n := bytes.Index(body, []byte("]]>"))
			dst = append(dst, body[:n]...)
			skip := len("<![CDATA[") + n + len("]]>")
			raw, at = raw[skip:], at+skip
		} else {
			n := bytes.Index(raw[len("<!--"):], []byte("-->"))
			skip := len("<!--") + n + len("-->")
			raw, at = raw[skip:], at+skip
		}
	}
	return dst, nil
}

var errBadReference = errors.New("bad reference")

// decode appends raw to dst with entity and character references expanded;
// in attribute values (attr) tab, newline and carriage return become spaces,
// as XML normalises them. at is raw's position in buf, for errors.
func (s *xmlScanner) decode(dst, raw []byte, at int, attr bool) ([]byte, error) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			k := bytes.IndexByte(raw[i+1:], ';')
			if k < 0 {
				return nil, s.errorAt(at+i, "unterminated reference %q", raw[i:min(len(raw), i+12)])
			}
			ref := raw[i+1 : i+1+k]
			var err error
			if dst, err = appendReference(dst, ref); err != nil {
				return nil, s.errorAt(at+i, "%w &%s;", err, ref[:min(len(ref), 32)])
			}
			i += 1 + k
		case attr && (c == '\t' || c == '\n' || c == '\r'):
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// appendReference expands the body of "&ref;": one of the five predefined
// entities or a character reference to a legal XML character.
func appendReference(dst, ref []byte) ([]byte, error) {
	switch string(ref) {
	case "lt":
		return append(dst, '<'), nil
	case "gt":
		return append(dst, '>'), nil
	case "amp":
		return append(dst, '&'), nil
	case "apos":
		return append(dst, '\''), nil
	case "quot":
		return append(dst, '"'), nil
	}
	if len(ref) < 2 || ref[0] != '#' {
		return nil, errBadReference
	}
	digits, base := ref[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return nil, errBadReference
	}
	var r rune
	for _, c := range digits {
		var d rune
		switch {
		case rpmver.IsDigit(c):
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return nil, errBadReference
		}
		r = r*base + d
		if r > utf8.MaxRune {
			return nil, errBadReference
		}
	}
	if !isXMLChar(r) {
		return nil, errBadReference
	}
	return utf8.AppendRune(dst, r), nil
}

// isXMLChar reports whether r may appear in an XML document (the Char
// production of XML 1.0).
func isXMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF, r >= 0xE000 && r <= 0xFFFD, r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// skipElement consumes everything up to and including the end tag of the
// element whose start tag was the last token; nothing if it was self-closing.
func (s *xmlScanner) skipElement() error {
	if s.selfClosing {
		return nil
	}
	d := len(s.stack)
	for {
		k, err := s.nextTag()
		if err != nil {
			return err
		}
		if k == tokEnd && len(s.stack) < d {
			return nil
		}
	}
}

// textContent returns the text of the element whose start tag was the last
// token and consumes its end tag. Child elements are skipped. The result is
// valid until the next call to textContent.
func (s *xmlScanner) textContent() ([]byte, error) {
	out := s.textCopy[:0]
	if s.selfClosing {
		return out, nil
	}
	d := len(s.stack)
	for {
		k, err := s.next()
		if err != nil {
			return nil, err
		}
		switch k {
		case tokText:
			// Copy: reading the end tag may refill and move the buffer.
			out = append(out, s.text...)
		case tokStart:
			if err := s.skipElement(); err != nil {
				return nil, err
			}
		case tokEnd:
			if len(s.stack) < d {
				s.textCopy = out
				return out, nil
			}
		}
	}
}
