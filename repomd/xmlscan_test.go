package repomd

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/repoclosure/repoclosure/internal/testenv"
)

// realXML returns the decompressed contents of the one file of the shared
// real data (see /work/shared/data/SOURCES.md) that matches glob. Without the
// data the test is skipped, or fails when $CI is set.
func realXML(tb testing.TB, glob string) []byte {
	tb.Helper()
	matches, err := filepath.Glob(filepath.Join(testenv.SharedData(tb), glob))
	if err != nil || len(matches) != 1 {
		testenv.Unavailable(tb, "real data %s: %d matches (%v)", glob, len(matches), err)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", matches[0], err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", matches[0], err)
	}
	return data
}

const (
	baseosPrimaryGlob      = "cs9/baseos/repodata/*-primary.xml.gz"
	baseosFilelistsGlob    = "cs9/baseos/repodata/*-filelists.xml.gz"
	appstreamPrimaryGlob   = "cs9/appstream/repodata/*-primary.xml.gz"
	appstreamFilelistsGlob = "cs9/appstream/repodata/*-filelists.xml.gz"
)

// readFixture returns a file of testdata/xml.
func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "xml", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// scanTokens renders every token of r, one string each: "<name a='v'>",
// "<name/>", "</name>" or a quoted text, each prefixed with its offset when
// withOffsets is set.
func scanTokens(r io.Reader, withOffsets bool) ([]string, error) {
	sc := newXMLScanner(r, "test.xml")
	var out []string
	for {
		k, err := sc.next()
		if err != nil {
			return out, err
		}
		var tok string
		switch k {
		case tokEOF:
			if sc.depth() != 0 {
				return out, fmt.Errorf("EOF at depth %d", sc.depth())
			}
			return out, nil
		case tokStart:
			var b strings.Builder
			fmt.Fprintf(&b, "<%s", sc.name)
			for _, a := range sc.attrs {
				fmt.Fprintf(&b, " %s='%s'", a.name, a.value)
			}
			if sc.selfClosing {
				b.WriteString("/")
			}
			b.WriteString(">")
			tok = b.String()
		case tokEnd:
			tok = fmt.Sprintf("</%s>", sc.name)
		case tokText:
			tok = fmt.Sprintf("%q", sc.text)
		}
		if withOffsets {
			tok = fmt.Sprintf("%d:%s", sc.offset, tok)
		}
		out = append(out, tok)
	}
}

func TestScannerTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty root", `<a/>`, []string{"<a/>"}},
		{"white space up to the end of input", "<a/>\n\n", []string{"<a/>"}},
		{"declaration, doctype, comments",
			"<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ELEMENT a ANY> <!ATTLIST a x CDATA \"]>\">]>\n<!-- c -->\n<a><!-- in --></a>\n<!-- after -->\n",
			[]string{"<a>", "</a>"}},
		{"attributes in any order, both quotes",
			`<a y='2' x="1"><b x='1' y="2"/></a>`,
			[]string{"<a y='2' x='1'>", "<b x='1' y='2'/>", "</a>"}},
		{"spaces around = and before >",
			"<a x = \"1\"\n\ty\t=\t'2' ></a >",
			[]string{"<a x='1' y='2'>", "</a>"}},
		{"quote and > inside values", `<a x="it's > 1" y='say "hi"'/>`, []string{`<a x='it's > 1' y='say "hi"'/>`}},
		{"predefined entities",
			`<a x="&lt;&gt;&amp;&apos;&quot;">&lt;&gt;&amp;&apos;&quot;</a>`,
			[]string{`<a x='<>&'"'>`, `"<>&'\""`, "</a>"}},
		{"character references",
			`<a x="&#38;&#x26;&#x41;">&#38;&#x26;&#8364;&#x20ac;&#x1F600;</a>`,
			[]string{"<a x='&&A'>", `"&&€€😀"`, "</a>"}},
		{"attribute white space normalised, references not",
			"<a x=\"1\t2\n3\r4&#9;5\"/>",
			[]string{"<a x='1 2 3 4\t5'/>"}},
		{"namespace prefixes are plain names",
			`<rpm:requires><rpm:entry name="x" xml:base="y"/></rpm:requires>`,
			[]string{"<rpm:requires>", "<rpm:entry name='x' xml:base='y'/>", "</rpm:requires>"}},
		{"CDATA merges with text", `<a>x<![CDATA[<b>&amp;]]]>y</a>`, []string{"<a>", `"x<b>&amp;]y"`, "</a>"}},
		{"comment inside text is dropped", `<a>x<!-- <b> -->y</a>`, []string{"<a>", `"xy"`, "</a>"}},
		{"processing instruction splits text", `<a>x<?pi data?>y</a>`, []string{"<a>", `"x"`, `"y"`, "</a>"}},
		{"rich dependency", `<e name="(foo &gt;= 1.0 if bar)"/>`, []string{"<e name='(foo >= 1.0 if bar)'/>"}},
		{"UTF-8 passes through", `<a n="é">ü</a>`, []string{"<a n='é'>", `"ü"`, "</a>"}},
		{"text around children",
			"<a>\n  <b>1</b>\n</a>",
			[]string{"<a>", `"\n  "`, "<b>", `"1"`, "</b>", `"\n"`, "</a>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanTokens(strings.NewReader(tt.in), false)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestScannerOffsets(t *testing.T) {
	in := "<?xml version=\"1.0\"?>\n<a x=\"1\">\n <b/>&amp;<c></c>\n</a>\n"
	want := []string{ // offsets counted by hand; no text outside the root
		"22:<a x='1'>", `31:"\n "`, "33:<b/>", `37:"&"`, "42:<c>", "45:</c>", `49:"\n"`, "50:</a>",
	}
	got, err := scanTokens(strings.NewReader(in), true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestScannerErrors(t *testing.T) {
	long := strings.Repeat("n", maxNameLen+1)
	tests := []struct {
		name, in string
		want     string // the error must contain it
	}{
		{"empty input", "", "test.xml:1:1: no root element"},
		{"only a declaration", `<?xml version="1.0"?>` + "\n", "test.xml:2:1: no root element"},
		{"truncated in element", "<a><b>", "test.xml:1:7: unexpected end of input inside <b>"},
		{"truncated in tag", `<a><b x="1`, "test.xml:1:11: unexpected end of input inside tag"},
		{"truncated in end tag", `<a></a`, "test.xml:1:7: unexpected end of input inside end tag"},
		{"truncated after <", `<a><`, "test.xml:1:5: unexpected end of input inside tag"},
		{"truncated in text", `<a>abc`, "test.xml:1:7: unexpected end of input inside <a>"},
		{"truncated in comment", `<a><!-- x`, "test.xml:1:10: unexpected end of input inside comment"},
		{"truncated in CDATA", `<a><![CDATA[x`, "test.xml:1:4: unterminated <![CDATA["},
		{"truncated in PI", `<?xml `, "test.xml:1:7: unexpected end of input inside processing instruction"},
		{"mismatched end tag", "<a><b></a>", "test.xml:1:7: end tag </a> does not match <b>"},
		{"end tag without start", "</a>", "test.xml:1:1: end tag </a> without start tag"},
		{"unknown entity", "<a>x&nbsp;</a>", "test.xml:1:5: bad reference &nbsp;"},
		{"entity in attribute", `<a x="&foo;"/>`, "test.xml:1:7: bad reference &foo;"},
		{"unterminated entity", "<a>&amp</a>", "test.xml:1:4: unterminated reference"},
		{"NUL reference", "<a>&#0;</a>", "bad reference &#0;"},
		{"surrogate reference", "<a>&#xD800;</a>", "bad reference &#xD800;"},
		{"reference out of range", "<a>&#x110000;</a>", "bad reference"},
		{"huge reference", "<a>&#99999999999999999999;</a>", "bad reference"},
		{"empty reference", "<a>&#;</a>", "bad reference"},
		{"empty hex reference", "<a>&#x;</a>", "bad reference"},
		{"bad digit", "<a>&#12a;</a>", "bad reference"},
		{"unquoted value", "<a x=1/>", "test.xml:1:6: unquoted value of attribute x"},
		{"attribute without value", "<a x/>", "test.xml:1:5: attribute x without value"},
		{"no space between attributes", `<a x="1"y="2"/>`, "test.xml:1:9: expected space before attribute"},
		{"< in attribute", `<a x="<"/>`, "test.xml:1:7: < in value of attribute x"},
		{"bad tag start", "<a>< b/></a>", "test.xml:1:4: invalid character ' ' after <"},
		{"bad self-close", `<a x="1"/ >`, "test.xml:1:9: expected />"},
		{"junk in end tag", "<a></a b>", "invalid character 'b' in end tag"},
		{"text before root", "x<a/>", "test.xml:1:1: text outside the root element"},
		{"text after root", "<a/>x", "test.xml:1:5: text outside the root element"},
		{"reference outside root", "<a/>&amp;", "test.xml:1:5: text outside the root element"},
		{"second root", "<a/><b/>", "test.xml:1:5: second root element <b>"},
		{"CDATA outside root", "<![CDATA[x]]><a/>", "test.xml:1:1: CDATA section outside the root element"},
		{"DOCTYPE inside root", "<a><!DOCTYPE a></a>", "test.xml:1:4: DOCTYPE after the root element"},
		{"unknown markup", "<a><!ELEMENT a></a>", "test.xml:1:4: unexpected markup"},
		{"too deep", strings.Repeat("<a>", maxDepth+1), "elements nested deeper than 256"},
		{"element name too long", "<" + long + "/>", "test.xml:1:1: element name longer than 65536 bytes"},
		{"attribute value too long", `<a x="` + long + `"/>`, "test.xml:1:7: value of attribute x longer than 65536 bytes"},
		{"tag too long", "<a" + strings.Repeat(` x="1"`, maxTagLen/5) + "/>", "test.xml:1:1: tag longer than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanTokens(strings.NewReader(tt.in), false)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			checkParseError(t, err, "test.xml", []byte(tt.in), -1)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}

func TestScannerTextLimit(t *testing.T) {
	in := "<a>" + strings.Repeat("x", maxTextLen+1) + "</a>"
	_, err := scanTokens(strings.NewReader(in), false)
	if err == nil || !strings.Contains(err.Error(), "test.xml:1:4: text longer than") {
		t.Errorf("error %v, want text longer than ...", err)
	}
}

// TestScannerChunking feeds the same documents whole, one byte at a time and
// in odd pieces: tokens spanning refills must come out the same.
func TestScannerChunking(t *testing.T) {
	big := strings.Repeat("long &amp; text ", 40000) // > one buffer
	docs := []string{
		string(readFixture(t, "features-primary.xml")),
		string(readFixture(t, "cs9-baseos-sample-primary.xml")),
		"<a x=\"" + strings.Repeat("v", 60000) + "\">" + big + "<![CDATA[" + big + "]]><!--" + big + "-->" + big + "</a>",
	}
	for i, doc := range docs {
		want, err := scanTokens(strings.NewReader(doc), true)
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		readers := map[string]io.Reader{
			"one byte": iotest.OneByteReader(strings.NewReader(doc)),
			"half":     iotest.HalfReader(strings.NewReader(doc)),
			"data+EOF": iotest.DataErrReader(strings.NewReader(doc)),
		}
		for name, r := range readers {
			got, err := scanTokens(r, true)
			if err != nil {
				t.Fatalf("doc %d, %s: %v", i, name, err)
			}
			if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
				t.Errorf("doc %d, %s: tokens differ", i, name)
			}
		}
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("<a><b>12345"), iotest.ErrReader(boom))
	_, err := scanTokens(r, false)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "test.xml:1:12: boom") {
		t.Errorf("error %v, want test.xml:1:12: boom", err)
	}
}

// stuckReader returns no data and no error forever.
type stuckReader struct{}

func (stuckReader) Read([]byte) (int, error) { return 0, nil }

func TestScannerNoProgress(t *testing.T) {
	_, err := scanTokens(stuckReader{}, false)
	if !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("error %v, want io.ErrNoProgress", err)
	}
}

func TestTextContentAndSkip(t *testing.T) {
	in := `<r><t>a<x>ignored<y/></x>b<![CDATA[c]]>&amp;</t><s><deep><deeper/>text</deep></s><u/><after/></r>`
	sc := newXMLScanner(strings.NewReader(in), "test.xml")
	var got []string
	for {
		k, err := sc.next()
		if err != nil {
			t.Fatal(err)
		}
		if k == tokEOF {
			break
		}
		if k != tokStart {
			continue
		}
		switch string(sc.name) {
		case "t", "u":
			text, err := sc.textContent()
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(text))
		case "s":
			if err := sc.skipElement(); err != nil {
				t.Fatal(err)
			}
		default:
			got = append(got, string(sc.name))
		}
	}
	want := "r,abc&,,after" // <x> skipped inside <t>, <s> skipped whole, <u/> empty
	if strings.Join(got, ",") != want {
		t.Errorf("got %q, want %q", strings.Join(got, ","), want)
	}
}

// realPackageBlocks returns up to n <package> elements of a real primary or
// filelists document, the smallest first, to seed fuzzing.
func realPackageBlocks(data []byte, n int) []string {
	blocks := regexp.MustCompile(`(?s)<package[ >].*?</package>`).FindAllString(string(data), -1)
	var small []string
	for _, b := range blocks {
		if len(b) < 3000 {
			small = append(small, b)
		}
		if len(small) == n {
			break
		}
	}
	return small
}

func FuzzScanner(f *testing.F) {
	for _, name := range []string{"features-primary.xml", "features-filelists.xml", "cs9-baseos-sample-primary.xml"} {
		f.Add(readFixture(f, name))
	}
	for _, s := range []string{
		`<a x="&#x26;" y='&lt;'><![CDATA[<]]><!-- c --><?pi?></a>`,
		"<a>\n <b/> </a>",
		`<!DOCTYPE a [<!ENTITY x "y">]><a/>`,
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "xml", "cs9-baseos-sample-filelists.xml")); err == nil {
		for _, b := range realPackageBlocks(data, 2) {
			f.Add([]byte(b))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, errWhole := scanTokens(bytes.NewReader(data), true)
		if errWhole != nil {
			checkParseError(t, errWhole, "test.xml", data, -1)
		}
		bytewise, errBytes := scanTokens(iotest.OneByteReader(bytes.NewReader(data)), true)
		if fmt.Sprint(errWhole) != fmt.Sprint(errBytes) {
			t.Fatalf("whole: %v\none byte at a time: %v", errWhole, errBytes)
		}
		if strings.Join(whole, "\x00") != strings.Join(bytewise, "\x00") {
			t.Fatalf("tokens depend on read sizes:\n%q\n%q", whole, bytewise)
		}
	})
}

func BenchmarkScanPrimary(b *testing.B) {
	data := realXML(b, appstreamPrimaryGlob)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		sc := newXMLScanner(bytes.NewReader(data), "primary.xml")
		for {
			k, err := sc.next()
			if err != nil {
				b.Fatal(err)
			}
			if k == tokEOF {
				break
			}
		}
	}
}

// checkParseError checks that err is a *ParseError naming file, at byte off
// of in (any offset when off < 0), and that its line and column are the
// ones counted here from in.
func checkParseError(t testing.TB, err error, file string, in []byte, off int64) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.Pos.File != file {
		t.Errorf("error %q names %q, want %q", err, pe.Pos.File, file)
	}
	if off >= 0 && pe.Pos.Offset != off {
		t.Errorf("error %q at offset %d, want %d", err, pe.Pos.Offset, off)
	}
	if pe.Pos.Offset < 0 || pe.Pos.Offset > int64(len(in)) {
		t.Fatalf("error %q: offset %d outside the %d-byte input", err, pe.Pos.Offset, len(in))
	}
	before := in[:pe.Pos.Offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	if pe.Pos.Line != line || pe.Pos.Column != col {
		t.Errorf("error %q: line %d, column %d; offset %d is line %d, column %d", err, pe.Pos.Line, pe.Pos.Column, pe.Pos.Offset, line, col)
	}
	if want := fmt.Sprintf("%s:%d:%d: ", file, line, col); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
	return pe
}

// TestParseErrorPositions checks exact positions in documents of several
// lines, also when the input arrives a byte at a time (the buffer moves and
// lines are counted as bytes leave it) and when the position is that of a
// package start long gone from the buffer.
func TestParseErrorPositions(t *testing.T) {
	const head = "<?xml version=\"1.0\"?>\n<metadata xmlns:rpm=\"r\">\n"
	filler := strings.Repeat("<package><name>f</name>\n  <arch>x</arch></package>\n", 2*scanChunkSize/50)
	fillerLines := strings.Count(filler, "\n")
	tests := []struct {
		name, in         string
		line, col        int
		offset           int64
		msg              string
		primary, scanner bool // which of the two reads the input
	}{
		{"unclosed entry", head + "<package>\n  <format>\n    <rpm:requires>\n      <rpm:entry name=\"x\"",
			6, 26, int64(len(head) + 65), "unexpected end of input inside tag", true, true},
		{"mismatched end tag", head + "<package>\n\t<name>p</arch>", 4, 9, int64(len(head) + 18),
			"end tag </arch> does not match <name>", true, true},
		{"bad reference on line 3", "<a>\n\n  x &bogus; y</a>", 3, 5, 9, "bad reference &bogus;", false, true},
		{"CR is not a line end", "<a>\r\r<b x=1/></a>", 1, 11, 10, "unquoted value of attribute x in <b>", false, true},
		{"after a buffer of filler", head + filler + "<package>\n<name>&x;</name></package></metadata>",
			3 + fillerLines + 1, 7, int64(len(head) + len(filler) + 16), "bad reference &x;", true, true},
		{"package start gone from the buffer", head + "\n  <package><arch>x</arch>" + filler + "</package></metadata>",
			4, 3, int64(len(head) + 3), "package without name", true, false},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/one byte %v", tt.name, oneByte), func(t *testing.T) {
				var r io.Reader = strings.NewReader(tt.in)
				if oneByte {
					r = iotest.OneByteReader(r)
				}
				var err error
				if tt.primary {
					_, err = ParsePrimary(r, "primary.xml.gz", NewStrings())
				} else {
					_, err = scanTokens(r, false)
				}
				file := "primary.xml.gz"
				if !tt.primary {
					file = "test.xml"
				}
				pe := checkParseError(t, err, file, []byte(tt.in), tt.offset)
				if pe.Pos.Line != tt.line || pe.Pos.Column != tt.col || pe.Msg != tt.msg {
					t.Errorf("got %d:%d %q, want %d:%d %q", pe.Pos.Line, pe.Pos.Column, pe.Msg, tt.line, tt.col, tt.msg)
				}
				if want := fmt.Sprintf("%s:%d:%d: %s", file, tt.line, tt.col, tt.msg); err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
			})
			if tt.primary && tt.scanner {
				t.Run(fmt.Sprintf("%s/scanner/one byte %v", tt.name, oneByte), func(t *testing.T) {
					var r io.Reader = strings.NewReader(tt.in)
					if oneByte {
						r = iotest.OneByteReader(r)
					}
					_, err := scanTokens(r, false)
					checkParseError(t, err, "test.xml", []byte(tt.in), tt.offset)
				})
			}
		}
	}
}

// BenchmarkCheckChars is the character check alone over a real primary.
func BenchmarkCheckChars(b *testing.B) {
	data := realXML(b, appstreamPrimaryGlob)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := &xmlScanner{buf: data, end: len(data), eof: true}
		s.checkChars()
		if s.rerr != nil || s.checked != int64(len(data)) {
			b.Fatal(s.rerr)
		}
	}
}

// TestScanSimple checks the fast path against the general one: where it
// takes a tag, the same name, offset and attributes, and the same tokens
// after; where it declines, it consumes nothing and next gives the general
// path's tokens or error. Read a byte at a time, the tag may be cut by the
// buffer's end, where the fast path must decline too.
func TestScanSimple(t *testing.T) {
	long := strings.Repeat("n", maxNameLen+1)
	tests := []struct {
		tag    string
		simple bool // the fast path takes it when the whole input is in the buffer
	}{
		{`<rpm:entry name="kernel(sym)" flags="EQ" epoch="0" ver="0x1234abcd"/>`, true},
		{`<rpm:entry name="a" flags="LT" epoch="1" ver="2" rel="3.el9" pre="1"/>`, true},
		{`<rpm:entry name="/bin/sh" pre="1"/>`, true},
		{`<rpm:entry name="(a or b)"/>`, true},
		{`<rpm:entry name="it's 100% #1 $x !"/>`, true},
		{`<rpm:entry name="é"/>`, true},
		{`<rpm:entry name=""/>`, true},
		{`<rpm:entry/>`, true},
		{`<rpm:entry ver="1"/>`, true},
		{`<rpm:entry flags="EQ" name="a"/>`, false}, // another order
		{`<rpm:entry name="a" rel="1" ver="2"/>`, false},
		{`<rpm:entry name="a&amp;b"/>`, false},
		{`<rpm:entry name="&#x41;"/>`, false},
		{`<rpm:entry name="a&bogus;"/>`, false},
		{`<rpm:entry name="a<b"/>`, false},
		{"<rpm:entry name=\"a\tb\"/>", false},
		{"<rpm:entry name=\"a\nb\"/>", false},
		{`<rpm:entry  name="a"/>`, false},
		{"<rpm:entry\tname=\"a\"/>", false},
		{"<rpm:entry\nname=\"a\"/>", false},
		{`<rpm:entry name = "a"/>`, false},
		{`<rpm:entry name='a'/>`, false},
		{`<rpm:entry name="a" />`, false},
		{`<rpm:entry name="a"></rpm:entry>`, false},
		{`<rpm:entry name="a"><x/></rpm:entry>`, false},
		{`<rpm:entry name="a" kind="x"/>`, false},
		{`<rpm:entry name="a" name="b"/>`, false},
		{`<rpm:entry name="a"name="b"/>`, false},
		{`<rpm:entry name="a" flags="EQ"flags="GT"/>`, false},
		{`<rpm:entry name="a"/ >`, false},
		{`<rpm:entry name="a"`, false},
		{`<rpm:entryx name="a"/>`, false},
		{`<rpm:entr name="a"/>`, false},
		{`<rpm:entry name="` + long + `"/>`, false},
		{`<other name="a"/>`, false},
		{`<!-- c --><rpm:entry name="a"/>`, false},
		{`text<rpm:entry name="a"/>`, false},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.tag[:min(len(tt.tag), 60)]
			t.Run(fmt.Sprintf("%s/one byte %v", name, oneByte), func(t *testing.T) {
				if ok := compareScanSimple(t, tt.tag, oneByte); !oneByte && ok != tt.simple {
					t.Errorf("fast path %v, want %v", ok, tt.simple)
				}
			})
		}
	}
}

// compareScanSimple scans tag inside a root element with the fast path and
// with the general one and checks that they agree; it returns whether the
// fast path took the tag.
func compareScanSimple(t *testing.T, tag string, oneByte bool) bool {
	t.Helper()
	doc := "<r>\n  " + tag + "\n</r>\n"
	reader := func() io.Reader {
		if oneByte {
			return iotest.OneByteReader(strings.NewReader(doc))
		}
		return strings.NewReader(doc)
	}
	fast, general := newXMLScanner(reader(), "test.xml"), newXMLScanner(reader(), "test.xml")
	for _, sc := range []*xmlScanner{fast, general} {
		if k, err := sc.next(); k != tokStart || err != nil {
			t.Fatalf("<r>: %v %v", k, err)
		}
		sc.fill() // <r> was all the first read held
	}
	var vals [numEntryAttrs][]byte
	pos := fast.pos
	present, ok := fast.scanSimple(newEntryTag(), vals[:])
	if !ok {
		if fast.pos != pos {
			t.Fatalf("declined, but moved from %d to %d", pos, fast.pos)
		}
	} else {
		k, err := general.nextTag()
		if k != tokStart || err != nil {
			t.Fatalf("general path: %v %v", k, err)
		}
		if string(fast.name) != string(general.name) || fast.offset != general.offset || !fast.selfClosing || !general.selfClosing {
			t.Errorf("fast <%s> at %d, general <%s> at %d", fast.name, fast.offset, general.name, general.offset)
		}
		got, want := map[string]string{}, map[string]string{}
		for k, a := range []string{"name", "flags", "epoch", "ver", "rel", "pre"} {
			if present&(1<<k) != 0 {
				got[a] = string(vals[k])
			}
		}
		for _, a := range general.attrs {
			want[string(a.name)] = string(a.value)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("fast path attributes %v, general %v", got, want)
		}
	}
	// From here on both must give the same tokens, or error.
	rest := func(sc *xmlScanner) string {
		var b strings.Builder
		for {
			k, err := sc.next()
			if err != nil {
				return b.String() + err.Error()
			}
			switch k {
			case tokEOF:
				return b.String()
			case tokText:
				fmt.Fprintf(&b, "%d:%q ", sc.offset, sc.text)
			case tokStart:
				fmt.Fprintf(&b, "%d:<%s %q %v> ", sc.offset, sc.name, sc.attrs, sc.selfClosing)
			case tokEnd:
				fmt.Fprintf(&b, "%d:</%s> ", sc.offset, sc.name)
			}
		}
	}
	if f, g := rest(fast), rest(general); !ok && f != g || ok && !strings.HasSuffix(g, f) {
		t.Errorf("after the tag:\nfast    %s\ngeneral %s", f, g)
	}
	return ok
}

// FuzzScanSimple compares the fast path with the general one on any tag.
func FuzzScanSimple(f *testing.F) {
	for _, s := range []string{
		`<rpm:entry name="kernel(sym)" flags="EQ" epoch="0" ver="0x1234abcd"/>`,
		`<rpm:entry name="a" flags="LT" epoch="1" ver="2" rel="3.el9" pre="1"/>`,
		`<rpm:entry name="a&amp;b" flags="EQ"/>`,
		`<rpm:entry name="a"></rpm:entry>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		compareScanSimple(t, tag, false)
		compareScanSimple(t, tag, true)
	})
}

// TestScanSimpleAtRoot checks that the fast path leaves the root element,
// whose start and end the general path tracks, to the general path.
func TestScanSimpleAtRoot(t *testing.T) {
	var vals [numEntryAttrs][]byte
	sc := newXMLScanner(strings.NewReader(`<rpm:entry name="a"/>`+strings.Repeat("\n", 16)), "test.xml")
	sc.fill()
	if _, ok := sc.scanSimple(newEntryTag(), vals[:]); ok {
		t.Error("fast path taken for the root element")
	}
}

func TestSkipSpace(t *testing.T) {
	for _, in := range []string{
		"", "x", " x", "\n      <rpm:entry", "\n\t\r <", strings.Repeat(" ", 20) + "x",
		strings.Repeat(" \n", 9), "       \tx", "        \rx", "\n       é", "\x00       ",
	} {
		for i := range len(in) + 1 {
			want := i
			for want < len(in) && isSpace(in[want]) {
				want++
			}
			if got := skipSpace([]byte(in), i); got != want {
				t.Errorf("skipSpace(%q, %d) = %d, want %d", in, i, got, want)
			}
		}
	}
}

// TestAttrSpecialMask checks that the lowest bit of the mask marks the first
// byte below 0x28 or '<', for every byte at every place after plain and
// after special bytes.
func TestAttrSpecialMask(t *testing.T) {
	special := func(c byte) bool { return c < 0x28 || c == '<' }
	for _, fill := range []byte{'a', 0xff, 0x80, '(', '=', '"', 0} {
		for at := range 8 {
			for c := range 256 {
				var w [8]byte
				for k := range w {
					w[k] = 'a'
					if k > at {
						w[k] = fill
					}
				}
				w[at] = byte(c)
				want := 8
				for k := range w {
					if special(w[k]) {
						want = k
						break
					}
				}
				got := 8
				if m := attrSpecialMask(binary.LittleEndian.Uint64(w[:])); m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != want {
					t.Fatalf("% x: first special byte at %d, mask says %d", w, want, got)
				}
			}
		}
	}
}
