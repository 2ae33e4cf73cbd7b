package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// WriteJSON writes m as indented JSON. The output is deterministic: fields in
// declaration order, lists in the matrix's order, [] rather than null. It is
// written an element at a time, so a 60-kernel matrix of tens of MB of JSON
// never sits in memory whole; the bytes are those of json.Encoder with
// SetIndent("", "  ") and HTML escaping off.
func WriteJSON(w io.Writer, m *Matrix) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	m = withEmptyLists(m)
	names := m.Names()
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	// encoded appends v as enc writes it, without the final newline.
	encoded := func(b []byte, v any) ([]byte, error) {
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return b, err
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
	}
	bw.WriteString("{\n")
	err := errors.Join(
		writeList(bw, "kernels", len(m.Kernels), func(b []byte, i int) ([]byte, error) { return encoded(b, m.Kernels[i]) }, false),
		writeList(bw, "kmods", len(m.Kmods), func(b []byte, i int) ([]byte, error) { return encoded(b, m.Kmods[i]) }, false),
		// The cells by appendCell rather than encoding/json: with tens of
		// thousands of cells the reflection and re-indenting were most of
		// the matrix's time.
		writeList(bw, "cells", len(m.Cells), func(b []byte, i int) ([]byte, error) { return appendCell(b, &m.Cells[i]), nil }, false),
		writeList(bw, "names", len(names), func(b []byte, i int) ([]byte, error) { return encoded(b, names[i]) }, true),
	)
	bw.WriteString("}\n")
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// writeList writes `  "name": [ ... ]`, each of the n elements appended by
// elem at the depth it has in the whole document.
func writeList(bw *bufio.Writer, name string, n int, elem func(b []byte, i int) ([]byte, error), last bool) error {
	fmt.Fprintf(bw, "  %q: [", name)
	var b []byte
	for i := 0; i < n; i++ {
		var err error
		if b, err = elem(b[:0], i); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteByte(']')
	if !last {
		bw.WriteByte(',')
	}
	bw.WriteByte('\n')
	return nil
}

// appendCell appends c as json.Encoder with SetIndent("    ", "  ") and
// HTML escaping off writes it at its depth in the document, without the
// final newline.
func appendCell(b []byte, c *Cell) []byte {
	b = append(b, "{\n      \"kmod\": "...)
	b = appendJSONString(b, c.Kmod)
	b = append(b, ",\n      \"kernel\": "...)
	b = appendJSONString(b, c.Kernel)
	b = append(b, ",\n      \"installable\": "...)
	b = strconv.AppendBool(b, c.Installable)
	b = append(b, ",\n      \"missing\": "...)
	if c.Missing == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range c.Missing {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n        {\n          \"dep\": "...)
			b = appendJSONString(b, m.Dep)
			b = append(b, ",\n          \"reason\": "...)
			b = appendJSONString(b, m.Reason)
			if m.KernelHas != "" {
				b = append(b, ",\n          \"kernel_has\": "...)
				b = appendJSONString(b, m.KernelHas)
			}
			b = append(b, "\n        }"...)
		}
		if len(c.Missing) > 0 {
			b = append(b, "\n      "...)
		}
		b = append(b, ']')
	}
	return append(b, "\n    }"...)
}

// plainJSON reports whether the eight bytes of w are all ASCII that JSON
// takes as it is: none below 0x20, none '"' or '\\', none from 0x80 (the
// zero-byte tests are exact for "any byte", which is all this asks).
func plainJSON(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below20 := (w - 0x20*ones) &^ w
	quote := w ^ '"'*ones
	backslash := w ^ '\\'*ones
	return (w|below20|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs == 0
}

// appendJSONString appends s quoted as encoding/json does with HTML
// escaping off: quote, backslash and control bytes escaped, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight plain bytes at a time: most of a matrix's text is ASCII
		// with nothing to escape.
		if i+8 <= len(s) && plainJSON(uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56) {
			i += 8
			continue
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// ReadJSON reads a matrix written by WriteJSON, such as a --baseline file, and
// validates its shape (see Matrix.Validate). name is the file's name, for
// errors. Unknown fields are ignored, so that a newer writer's file still
// reads; absent or null lists read as empty ones.
func ReadJSON(r io.Reader, name string) (*Matrix, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read: %w", name, err)
	}
	// Another JSON document (a series, an array, {}) must not read as a
	// matrix of nothing, where every kernel would be new.
	if first := bytes.TrimLeft(data, " \t\r\n"); len(first) > 0 && first[0] != '{' && json.Valid(data) {
		return nil, fmt.Errorf("%s: not a matrix (written by matrix --format json): it holds a JSON %s, not an object", name, jsonKind(first[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var m Matrix
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, describeJSONError(err, dec.InputOffset()))
	}
	// A second value (or garbage) after the matrix means a damaged file.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: unexpected data after the matrix at byte offset %d", name, dec.InputOffset())
	}
	if m.Kernels == nil && m.Kmods == nil && m.Cells == nil {
		return nil, fmt.Errorf("%s: not a matrix (written by matrix --format json): it has none of the fields kernels, kmods and cells", name)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("%s: invalid matrix: %w", name, err)
	}
	normalize(&m)
	return &m, nil
}

// describeJSONError adds the byte offset to a decoding error that lacks one.
func describeJSONError(err error, offset int64) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("invalid JSON at byte offset %d: %w", syntax.Offset, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("field %q at byte offset %d: got JSON %s, want %s", typ.Field, typ.Offset, typ.Value, typ.Type)
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty file: want a JSON matrix")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated JSON at byte offset %d", offset)
	}
	return fmt.Errorf("at byte offset %d: %w", offset, err)
}

// normalize turns absent or null lists into empty ones, so that a matrix read
// back equals the one written, whose lists WriteJSON writes as [].
func normalize(m *Matrix) {
	if m.Kernels == nil {
		m.Kernels = []Kernel{}
	}
	if m.Kmods == nil {
		m.Kmods = []Kmod{}
	}
	if m.Cells == nil {
		m.Cells = []Cell{}
	}
	for i := range m.Kernels {
		if m.Kernels[i].Packages == nil {
			m.Kernels[i].Packages = []string{}
		}
	}
	for i := range m.Cells {
		if m.Cells[i].Missing == nil {
			m.Cells[i].Missing = []Missing{}
		}
	}
}

// withEmptyLists returns m, or a copy of it where lists that are nil (which
// JSON would write as null) are empty. Copying only when needed keeps the
// common case free.
func withEmptyLists(m *Matrix) *Matrix {
	needed := m.Kernels == nil || m.Kmods == nil || m.Cells == nil
	for i := 0; !needed && i < len(m.Kernels); i++ {
		needed = m.Kernels[i].Packages == nil
	}
	for i := 0; !needed && i < len(m.Cells); i++ {
		needed = m.Cells[i].Missing == nil
	}
	if !needed {
		return m
	}
	c := &Matrix{
		Kernels: append([]Kernel(nil), m.Kernels...),
		Kmods:   append([]Kmod(nil), m.Kmods...),
		Cells:   append([]Cell(nil), m.Cells...),
	}
	normalize(c)
	return c
}

// jsonKind names the JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}
