package repomd

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

const testPkg = `<package type="rpm"><name>a</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/>` +
	`<format><rpm:sourcerpm>a.src.rpm</rpm:sourcerpm></format></package>`

func testPrimary(pkgs string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">` +
		pkgs + `</metadata>`
}

// What expat and libxml2 reject anywhere in a document is rejected with
// the offset of the offending byte, however the input is split; a BOM and
// valid multi-byte UTF-8 pass.
func TestScannerCharacters(t *testing.T) {
	head := testPrimary("")
	head = head[:strings.Index(head, "</metadata>")]
	tests := []struct {
		name, pkg string
		bad       string // the bytes at the reported offset; "" = valid
		want      string
	}{
		{"valid UTF-8", strings.Replace(testPkg, "<name>a", "<name>aé€😀", 1), "", ""},
		{"invalid UTF-8 in text", strings.Replace(testPkg, "<name>a", "<name>a\xff", 1), "\xff", "invalid UTF-8"},
		{"truncated rune", strings.Replace(testPkg, "<name>a", "<name>a\xe2\x82", 1), "\xe2\x82", "invalid UTF-8"},
		{"surrogate", strings.Replace(testPkg, "<name>a", "<name>a\xed\xa0\x80", 1), "\xed\xa0\x80", "invalid UTF-8"},
		{"invalid UTF-8 in an attribute", strings.Replace(testPkg, `ver="1"`, "ver=\"1\xc3\"", 1), "\xc3\"", "invalid UTF-8"},
		{"invalid UTF-8 in a name", strings.Replace(testPkg, "<name>", "<n\xffame>", 1), "\xff", "invalid UTF-8"},
		{"NUL in text", strings.Replace(testPkg, "<name>a", "<name>a\x00", 1), "\x00", "control character 0x00"},
		{"NUL in an attribute", strings.Replace(testPkg, `ver="1"`, "ver=\"1\x00\"", 1), "\x00", "control character 0x00"},
		{"escape in text", strings.Replace(testPkg, "<name>a", "<name>a\x1b[2J", 1), "\x1b", "control character 0x1b"},
		{"repeated attribute", strings.Replace(testPkg, `ver="1"`, `ver="1" ver="2"`, 1), "<version", "attribute ver repeated in <version>"},
	}
	for _, tt := range tests {
		for _, bom := range []string{"", "\uFEFF"} {
			for _, split := range []string{"whole", "bytes"} {
				doc := bom + head + tt.pkg + "</metadata>"
				var r io.Reader = strings.NewReader(doc)
				if split == "bytes" {
					r = iotest.OneByteReader(r)
				}
				_, err := ParsePrimary(r, "p.xml", NewStrings())
				if tt.bad == "" {
					if err != nil {
						t.Errorf("%s (bom %t, %s): %v", tt.name, bom != "", split, err)
					}
					continue
				}
				// Offsets count from the start of the stream, BOM included.
				wantOff := strings.Index(doc, tt.bad)
				if tt.name == "repeated attribute" {
					wantOff = strings.Index(doc, "<version")
				}
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || pe.Pos.Offset != int64(wantOff) {
					t.Errorf("%s (bom %t, %s): %v, want %q at offset %d", tt.name, bom != "", split, err, tt.want, wantOff)
				}
			}
		}
	}
	// filelists shares the scanner.
	fl := `<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="1"><package pkgid="x" name="a" name="b"/></filelists>`
	if err := ParseFilelists(strings.NewReader(fl), "f.xml", NewStrings(), nil); err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("filelists with a repeated attribute: %v", err)
	}
}

// repomd.xml gets primary's nesting limit and the same rejections, and
// accepts a BOM.
func TestParseRepomdWellFormed(t *testing.T) {
	data := `<data type="primary"><checksum type="sha256">` + strings.Repeat("0", 64) + `</checksum><location href="repodata/p.xml.gz"/></data>`
	good := `<?xml version="1.0"?><repomd xmlns="http://linux.duke.edu/metadata/repo">` + data + `</repomd>`
	tests := []struct {
		name, doc, want string
	}{
		{"plain", good, ""},
		{"BOM", "\uFEFF" + good, ""},
		{"deep", strings.Replace(good, "</repomd>", strings.Repeat("<x>", maxDepth)+strings.Repeat("</x>", maxDepth)+"</repomd>", 1), "nested deeper than 256"},
		{"repeated attribute", strings.Replace(good, `type="sha256"`, `type="sha256" type="md5"`, 1), "attribute type repeated in <checksum>"},
		{"invalid UTF-8", strings.Replace(good, "<repomd ", "<repomd a=\"\xff\" ", 1), "invalid UTF-8"},
		{"NUL", strings.Replace(good, "</repomd>", "\x00</repomd>", 1), "illegal character"},
	}
	for _, tt := range tests {
		md, err := ParseRepomd([]byte(tt.doc), "repomd.xml")
		if tt.want == "" {
			if err != nil || len(md.Data) != 1 {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) || pe.Pos.Offset == 0 {
			t.Errorf("%s: %v, want %q with its position", tt.name, err, tt.want)
		}
	}
}

func TestOpenLimit(t *testing.T) {
	tests := []struct {
		openSize, size, want int64
	}{
		{0, 100 << 10, minOpenLimit},                    // small file: the floor
		{20 << 30, 1_800_000, 1_800_000 * maxOpenRatio}, // a declared 20 GiB cannot raise the cap
		{50 << 20, 3 << 20, 50 << 20},                   // a real open-size lowers it
		{0, 1 << 30, DefaultDecompressLimit},            // never past the absolute cap
		{100, 0, 100},
	}
	for _, tt := range tests {
		if got := openLimit(DataFile{OpenSize: tt.openSize}, tt.size); got != tt.want {
			t.Errorf("openLimit(open-size %d, size %d) = %d, want %d", tt.openSize, tt.size, got, tt.want)
		}
	}
}

// serveRepo serves a repository of one primary, compressed with gzip,
// whose repomd.xml declares openSize.
func serveRepo(t *testing.T, primary []byte, openSize int64) string {
	t.Helper()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(primary)
	zw.Close()
	return serveCompressed(t, "gz", gz.Bytes(), openSize)
}

// serveCompressed serves a repository of one primary.xml.EXT, given as
// compressed, with a repomd.xml that declares openSize and the checksum
// of these bytes, whatever they hold.
func serveCompressed(t *testing.T, ext string, compressed []byte, openSize int64) string {
	t.Helper()
	href := "repodata/" + sha256Of(compressed) + "-primary.xml." + ext
	repomd := fmt.Sprintf(`<repomd><data type="primary"><checksum type="sha256">%s</checksum>`+
		`<location href="%s"/><size>%d</size><open-size>%d</open-size></data></repomd>`,
		sha256Of(compressed), href, len(compressed), openSize)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + repomdHref: []byte(repomd), "/" + href: compressed}))
	return srv.URL
}

// A published primary whose compressed stream is damaged (its checksum in
// repomd.xml matching the damage) fails with the codec's error, naming the
// file once, not with the XML the damage turns into.
func TestLoadDamagedStreamSaysCodec(t *testing.T) {
	doc := []byte(testPrimary(strings.Repeat(testPkg, 3000)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(doc)
	zw.Close()
	flipped := bytes.Clone(gz.Bytes())
	for i := len(flipped) / 2; i < len(flipped)/2+16; i++ {
		flipped[i] ^= 0xff
	}
	xzDoc := xzTool(t, doc, "-6")
	tests := []struct {
		name, ext string
		data      []byte
		want      string
	}{
		{"gzip, 16 bytes flipped", "gz", flipped, "in gzip stream"},
		{"gzip, cut", "gz", gz.Bytes()[:gz.Len()*2/3], "unexpected EOF in gzip stream"},
		{"xz, cut", "xz", xzDoc[:len(xzDoc)*2/3], "unexpected EOF in xz stream"},
	}
	for _, tt := range tests {
		url := serveCompressed(t, tt.ext, tt.data, int64(len(doc)))
		f, _ := newTestFetcher(t)
		l := &Loader{Fetcher: f, Strings: NewStrings()}
		_, err := l.Load(context.Background(), Source{ID: "damaged", BaseURLs: []string{url}})
		var pe *ParseError
		if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) ||
			strings.Count(err.Error(), "-primary.xml."+tt.ext) != 1 {
			t.Errorf("%s: %v; want the codec's error %q naming the file once", tt.name, err, tt.want)
		}
	}
}

// A decompression bomb is stopped at a multiple of its compressed size,
// whatever open-size repomd.xml declares; and since a package's record is
// a bounded multiple of its XML, so is memory.
func TestLoadStopsDecompressionBomb(t *testing.T) {
	// Elements that compress a thousandfold: far past the ratio of any
	// real metadata.
	bomb := []byte(testPrimary(testPkg + strings.Repeat("<x/>", (minOpenLimit+1<<20)/4) + testPkg))
	url := serveRepo(t, bomb, 20<<30)
	f, _ := newTestFetcher(t)
	l := &Loader{Fetcher: f, Strings: NewStrings()}
	_, err := l.Load(context.Background(), Source{ID: "bomb", BaseURLs: []string{url}})
	var limit *SizeLimitError
	if !errors.As(err, &limit) || limit.Limit != minOpenLimit {
		t.Fatalf("Load of a bomb declaring 20 GiB: %v, want a SizeLimitError at %d", err, minOpenLimit)
	}

	// The same packages without the padding load.
	url = serveRepo(t, []byte(testPrimary(testPkg)), 20<<30)
	repo, err := l.Load(context.Background(), Source{ID: "fine", BaseURLs: []string{url}})
	if err != nil || len(repo.Packages) != 1 {
		t.Fatalf("Load: %v", err)
	}
}

// A mirror that drips bytes is abandoned once the rate over a window is
// below the minimum, without retrying it, and the next mirror serves.
func TestFileMinimumRate(t *testing.T) {
	const href = "repodata/s-primary.xml.gz"
	content := testPayload(5000, 13)
	drip := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(content)))
		for i := range content {
			if _, err := w.Write(content[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	good := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, log := newTestFetcher(t)
	f.MinRate, f.RateWindow = 1000, 200*time.Millisecond
	got, err := f.File(context.Background(), "s", []string{drip.URL, good.URL}, dataFileOf(href, content))
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	if data, _ := os.ReadFile(got); !bytes.Equal(data, content) {
		t.Fatal("wrong content")
	}
	if !strings.Contains(log.String(), "too slow") || strings.Contains(log.String(), "retrying") {
		t.Errorf("want the slow mirror abandoned without retries:\n%s", log)
	}
	if drip.requests.Load() != 1 {
		t.Errorf("slow mirror asked %d times", drip.requests.Load())
	}
}

// Without a size in repomd.xml, a download still has a cap.
func TestFileUnsizedCap(t *testing.T) {
	const href = "repodata/u-primary.xml.gz"
	content := testPayload(5000, 14)
	srv := newCountingServer(t, serveFiles(map[string][]byte{"/" + href: content}))
	f, _ := newTestFetcher(t)
	f.maxUnsized = 4000
	df := dataFileOf(href, content)
	df.Size = 0
	_, err := f.File(context.Background(), "u", []string{srv.URL}, df)
	if err == nil || !strings.Contains(err.Error(), "larger than 4000 bytes") {
		t.Fatalf("File of 5000 unsized bytes with a 4000-byte cap: %v", err)
	}
	f.maxUnsized = 5000
	if _, err := f.File(context.Background(), "u", []string{srv.URL}, df); err != nil {
		t.Fatalf("File at the cap: %v", err)
	}
	assertCacheClean(t, f.CacheDir)
}

// sslverify, sslcacert and proxy apply per repository; a certificate
// failure is not retried.
func TestRepoHTTP(t *testing.T) {
	const href = "repodata/h-primary.xml.gz"
	content := testPayload(3000, 15)
	srv := httptest.NewUnstartedServer(serveFiles(map[string][]byte{"/" + href: content}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	df := dataFileOf(href, content)
	ctx := context.Background()

	newFetcher := func() (*Fetcher, *fetchLog) {
		f, log := newTestFetcher(t)
		f.Client = nil // the per-repository transport, as in real use
		return f, log
	}
	f, flog := newFetcher()
	_, err := f.File(ctx, "h", []string{srv.URL}, df)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("File from a self-signed server: %v, want a certificate error", err)
	}
	if strings.Contains(flog.String(), "retrying") {
		t.Errorf("a certificate error was retried:\n%s", flog)
	}

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	mustWrite(t, caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	for name, opts := range map[string]RepoHTTP{"sslcacert": {CACert: caFile}, "sslverify=0": {NoVerify: true}} {
		f, _ := newFetcher()
		if err := f.SetRepoHTTP("h", opts); err != nil {
			t.Fatal(err)
		}
		if _, err := f.File(ctx, "h", []string{srv.URL}, df); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// Other repositories keep the defaults.
		if _, err := f.File(ctx, "other", []string{srv.URL}, df); err == nil {
			t.Errorf("%s leaked to another repository", name)
		}
	}

	for name, tt := range map[string]struct {
		opts RepoHTTP
		want string
	}{
		"missing CA":  {RepoHTTP{CACert: filepath.Join(t.TempDir(), "nope.pem")}, "sslcacert"},
		"not PEM":     {RepoHTTP{CACert: t.TempDir()}, "sslcacert"},
		"client cert": {RepoHTTP{ClientCert: caFile}, "sslclientcert " + caFile},
		"key alone":   {RepoHTTP{ClientKey: caFile}, "without sslclientcert"},
		"proxy":       {RepoHTTP{Proxy: "::"}, "proxy"},
	} {
		f, _ := newFetcher()
		if err := f.SetRepoHTTP("h", tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, tt.want)
		}
	}

	// A proxy gets the requests (the origin here is a closed loopback port).
	proxy := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Host != "127.0.0.1:9" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadGateway)
			return
		}
		serveFiles(map[string][]byte{"/" + href: content})(w, r)
	})
	f, _ = newFetcher()
	if err := f.SetRepoHTTP("h", RepoHTTP{Proxy: proxy.URL}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.File(ctx, "h", []string{"http://127.0.0.1:9"}, df); err != nil || proxy.requests.Load() != 1 {
		t.Errorf("through the proxy: %v, %d proxy requests", err, proxy.requests.Load())
	}
}

// LoadAll keeps at most maxParallelLoads repositories in flight.
func TestLoadAllBounded(t *testing.T) {
	url := serveRepo(t, []byte(testPrimary(testPkg)), 0)
	f, _ := newTestFetcher(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	l := &Loader{Fetcher: f, Strings: NewStrings(), Progress: func(string, string, int64) io.Writer {
		mu.Lock()
		defer mu.Unlock()
		inFlight++
		peak = max(peak, inFlight)
		return closeHook(func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		})
	}}
	var sources []Source
	for i := range 3 * maxParallelLoads {
		sources = append(sources, Source{ID: fmt.Sprint("r", i), BaseURLs: []string{url}})
	}
	repos, err := l.LoadAll(context.Background(), sources)
	if err != nil || len(repos) != len(sources) {
		t.Fatalf("LoadAll: %d repos, %v", len(repos), err)
	}
	if peak > maxParallelLoads {
		t.Errorf("%d repositories loaded at once, want at most %d", peak, maxParallelLoads)
	}
}

type closeHook func()

func (c closeHook) Write(b []byte) (int, error) { return len(b), nil }
func (c closeHook) Close() error                { c(); return nil }

// A primary of more packages than MaxPackages (here lowered to 3) is
// rejected, with the position of the first one too many.
func TestParsePrimaryPackageCap(t *testing.T) {
	for n, wantErr := range map[int]bool{3: false, 4: true} {
		doc := testPrimary(strings.Repeat(testPkg, n))
		strs := NewStrings()
		p := &primaryParser{sc: newXMLScanner(strings.NewReader(doc), "p.xml"), strs: strs, dict: newDepInterner(strs), maxPkgs: 3}
		pkgs, err := p.parse()
		var pe *ParseError
		switch {
		case !wantErr && (err != nil || len(pkgs) != 3):
			t.Errorf("%d packages: %d, %v", n, len(pkgs), err)
		case wantErr && (!errors.As(err, &pe) || !strings.Contains(err.Error(), "more than 3 packages") || pe.Pos.Offset != int64(strings.LastIndex(doc, "<package"))):
			t.Errorf("%d packages: %v, want an error at the fourth", n, err)
		}
	}
}

// controlsOK agrees with the byte-wise rule for every byte value at every
// position of a 32-byte block and in the tail, among ASCII and non-ASCII
// neighbours.
func TestControlsOK(t *testing.T) {
	for _, fill := range []byte{'a', '\n', 0xa0, 0xff, '\t'} {
		for _, n := range []int{32, 64, 45, 7} {
			b := bytes.Repeat([]byte{fill}, n)
			for pos := range n {
				for c := range 256 {
					b[pos] = byte(c)
					want := c >= 0x20 || c == '\t' || c == '\n' || c == '\r'
					if got := controlsOK(b); got != want {
						t.Fatalf("controlsOK(%q) = %t, want %t", b, got, want)
					}
				}
				b[pos] = fill
			}
		}
	}
}

// A local file that does not match repomd.xml's checksum is named once,
// by its path, with both checksums.
func TestLocalChecksumMismatchNamesFileOnce(t *testing.T) {
	dir := t.TempDir()
	served := []byte("not the primary repomd.xml describes")
	want := sha256Of([]byte("the primary repomd.xml describes"))
	href := "repodata/" + want + "-primary.xml"
	repomd := fmt.Sprintf(`<repomd><data type="primary"><checksum type="sha256">%s</checksum>`+
		`<location href="%s"/><size>%d</size></data></repomd>`, want, href, len(served))
	mustWrite(t, filepath.Join(dir, repomdHref), []byte(repomd))
	mustWrite(t, filepath.Join(dir, href), served)
	f, _ := newTestFetcher(t)
	l := &Loader{Fetcher: f, Strings: NewStrings()}
	_, err := l.Load(context.Background(), Source{ID: "local", BaseURLs: []string{dir}})
	if err == nil || strings.Count(err.Error(), want+"-primary.xml") != 1 ||
		!strings.Contains(err.Error(), filepath.Join(dir, href)) || !strings.Contains(err.Error(), "got sha256:"+sha256Of(served)) {
		t.Errorf("Load: %v; want the file's path once with both checksums", err)
	}
}
