package report

import (
	"bytes"
	"io"
	"testing"
)

// benchWriter measures a writer on a matrix the size of a real report: 60
// kernels (an EL8 minor release stream) × 200 kmods. SetBytes counts the
// output, so the rate is bytes of report per second.
func benchWriter(b *testing.B, write func(io.Writer, *Matrix) error) {
	m := bigMatrix(60, 200)
	var buf bytes.Buffer
	if err := write(&buf, m); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := write(&buf, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteJSON(b *testing.B) { benchWriter(b, WriteJSON) }
func BenchmarkWriteCSV(b *testing.B)  { benchWriter(b, WriteCSV) }
func BenchmarkWriteTable(b *testing.B) {
	benchWriter(b, func(w io.Writer, m *Matrix) error { return WriteTable(w, m, true) })
}
func BenchmarkWriteMarkdown(b *testing.B) { benchWriter(b, WriteMarkdown) }
func BenchmarkWriteHTML(b *testing.B) {
	benchWriter(b, func(w io.Writer, m *Matrix) error { return WriteHTML(w, m, "bench") })
}

func BenchmarkReadJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, bigMatrix(60, 200)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadJSON(bytes.NewReader(buf.Bytes()), "bench.json"); err != nil {
			b.Fatal(err)
		}
	}
}
