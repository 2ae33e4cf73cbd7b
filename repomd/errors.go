package repomd

import (
	"bytes"
	"fmt"
)

// Position is a place in a metadata file, as go/token.Position: Offset
// counts bytes from 0, Line and Column (in bytes) count from 1. A Line of 0
// means the line is not known, and only File and Offset count.
type Position struct {
	File   string // the file's name or URL, as the loader knows it
	Offset int64
	Line   int
	Column int
}

// String returns "file:line:column", or "file: offset N" when the line is
// not known.
func (p Position) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: offset %d", p.File, p.Offset)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// ParseError is malformed metadata (or a failed read) at a position of a
// metadata file. Callers match it with errors.As; Err, when set, is the
// cause (a read or decompression error) and is what errors.Is sees.
type ParseError struct {
	Pos Position
	Msg string
	Err error
}

// Error reads "primary.xml.gz:1523:17: unexpected end of input inside <rpm:entry>".
func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// Unwrap returns the cause, if any.
func (e *ParseError) Unwrap() error { return e.Err }

// lineCounter counts the lines of a stream whose bytes before some offset
// have been dropped: lines is the number of newlines before that offset and
// lineStart the offset just after the last of them.
type lineCounter struct {
	lines     int
	lineStart int64
}

// skip counts b, which starts at stream offset off, into c.
func (c *lineCounter) skip(b []byte, off int64) {
	c.lines += bytes.Count(b, []byte{'\n'})
	if k := bytes.LastIndexByte(b, '\n'); k >= 0 {
		c.lineStart = off + int64(k) + 1
	}
}

// position returns the position of stream offset off, given b, the bytes
// from where c stopped counting (stream offset base) up to at least off.
func (c lineCounter) position(file string, b []byte, base, off int64) Position {
	c.skip(b[:off-base], base)
	return Position{File: file, Offset: off, Line: c.lines + 1, Column: int(off-c.lineStart) + 1}
}

// positionIn returns the position of byte off of data, a whole file.
func positionIn(file string, data []byte, off int64) Position {
	off = min(max(off, 0), int64(len(data)))
	return lineCounter{}.position(file, data, 0, off)
}
