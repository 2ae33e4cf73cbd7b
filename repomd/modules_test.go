package repomd

import (
	"bytes"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

func readModulesFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// countDocuments counts "document: KIND" lines, a count independent of the
// YAML parser.
func countDocuments(data []byte, kind string) int {
	return bytes.Count(data, []byte("\ndocument: "+kind+"\n"))
}

func findStream(t *testing.T, m *Modules, name, stream string) ModuleStream {
	t.Helper()
	for _, s := range m.Streams {
		if s.Name == name && s.Stream == stream {
			return s
		}
	}
	t.Fatalf("no stream %s:%s", name, stream)
	return ModuleStream{}
}

// TestParseModulesF29 reads the real Fedora 29 modules.yaml and checks one
// stream field by field against the text of the file.
func TestParseModulesF29(t *testing.T) {
	const path = "testdata/modules/f29.yaml"
	data := readModulesFile(t, path)
	m, err := ParseModules(bytes.NewReader(data), path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.Streams), countDocuments(data, "modulemd"); got != want || want == 0 {
		t.Errorf("%d streams, want %d", got, want)
	}
	if got, want := len(m.Defaults), countDocuments(data, "modulemd-defaults"); got != want || want == 0 {
		t.Errorf("%d defaults, want %d", got, want)
	}
	if len(m.Rejected) > 0 {
		t.Errorf("rejected: %q", m.Rejected)
	}
	// Lines 12036-12102: an unquoted stream "6.1" that YAML would read as a
	// float must stay text.
	want := ModuleStream{
		Name: "dwm", Stream: "6.1", Version: 20180813122714, Context: "6c81f848", Arch: "x86_64",
		Requires:  []map[string][]string{{"platform": {"f29"}}},
		Artifacts: []string{"dwm-0:6.1-8.module_1995+c3e93812.x86_64", "dwm-user-0:6.1-8.module_1995+c3e93812.x86_64"},
		Profiles:  map[string][]string{"default": {"dwm"}, "user": {"dwm", "dwm-user"}},
	}
	if got := findStream(t, m, "dwm", "6.1"); !reflect.DeepEqual(got, want) {
		t.Errorf("dwm:6.1 =\n%+v\nwant\n%+v", got, want)
	}
	// "requires: platform: []" is any stream: an empty, non-nil list.
	if got := findStream(t, m, "scala", "2.10").Requires; !reflect.DeepEqual(got, []map[string][]string{{"platform": {}}}) {
		t.Errorf("scala:2.10 requires %#v", got)
	}
	var dwm ModuleDefaults
	for _, d := range m.Defaults {
		if d.Module == "dwm" {
			dwm = d
		}
	}
	wantDef := ModuleDefaults{Module: "dwm", Stream: "6.1", Profiles: map[string][]string{"6.0": {"default"}, "6.1": {"default"}, "latest": {"default"}}}
	if !reflect.DeepEqual(dwm, wantDef) {
		t.Errorf("dwm defaults = %+v, want %+v", dwm, wantDef)
	}
}

// TestParseModulesCS9 reads the real CentOS Stream 9 AppStream modules.yaml.xz
// through Decompress, as the loader does.
func TestParseModulesCS9(t *testing.T) {
	const rel = "cs9/appstream/repodata/ffe6aa44abe8480c2f7a59b9e92f251f10018e1e79ac33e2807260dd03955592-modules.yaml.xz"
	raw := readSharedData(t, rel)
	r, err := Decompress(bytes.NewReader(raw), rel, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseModules(bytes.NewReader(data), rel)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(m.Streams), countDocuments(data, "modulemd"); got != want || want != 31 {
		t.Errorf("%d streams, want %d (SOURCES.md says 31)", got, want)
	}
	if got, want := len(m.Defaults), countDocuments(data, "modulemd-defaults"); got != want || want != 8 {
		t.Errorf("%d defaults, want %d (SOURCES.md says 8)", got, want)
	}
	artifacts := 0
	for _, s := range m.Streams {
		if !s.StaticContext {
			t.Errorf("%s:%s:%d: static_context not read", s.Name, s.Stream, s.Version)
		}
		artifacts += len(s.Artifacts)
	}
	// Every artifact line of the file is "    - NAME-E:V-R.A" under artifacts.rpms.
	if want := bytes.Count(data, []byte(".x86_64\n")) + bytes.Count(data, []byte(".noarch\n")) + bytes.Count(data, []byte(".src\n")); artifacts != want {
		t.Errorf("%d artifacts, want %d", artifacts, want)
	}
	// CentOS Stream 9 has no default streams: its defaults only name profiles.
	for _, d := range m.Defaults {
		if d.Stream != "" || len(d.Profiles) == 0 {
			t.Errorf("defaults %+v: want profiles and no stream", d)
		}
	}
}

func TestParseModulesDocuments(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		want     *Modules
		rejected []string // substrings, one per rejected document
	}{
		{name: "empty", yaml: "", want: &Modules{}},
		{
			name: "v2 with conflicts, any stream and no requires",
			yaml: `---
document: modulemd
version: 2
data:
  name: app
  stream: 1.0
  version: 3
  context: c0ffee42
  arch: noarch
  dependencies:
  - buildrequires:
      platform: [el9]
    requires:
      platform: [el9, el10]
      perl: []
      db: [-5]
      none:
  - buildrequires:
      x: [y]
  profiles:
    default: {rpms: [app]}
  artifacts:
    rpms: [app-1:1.0-1.noarch, app-1:1.0-1.src]
  demodularized:
    rpms: [oldlib]
...
`,
			want: &Modules{Streams: []ModuleStream{{
				Name: "app", Stream: "1.0", Version: 3, Context: "c0ffee42", Arch: "noarch",
				Requires:      []map[string][]string{{"platform": {"el9", "el10"}, "perl": {}, "db": {"-5"}, "none": {}}, {}},
				Profiles:      map[string][]string{"default": {"app"}},
				Artifacts:     []string{"app-1:1.0-1.noarch", "app-1:1.0-1.src"},
				Demodularized: []string{"oldlib"},
			}}},
		},
		{
			name: "v1 requires map one stream each",
			yaml: `document: modulemd
version: 1
data:
  name: old
  stream: master
  version: 7
  dependencies:
    buildrequires: {platform: f27}
    requires: {platform: f27}
`,
			want: &Modules{Streams: []ModuleStream{{Name: "old", Stream: "master", Version: 7, Requires: []map[string][]string{{"platform": {"f27"}}}}}},
		},
		{
			name: "defaults, obsoletes and translations",
			yaml: `---
document: modulemd-defaults
version: 1
data:
  module: nodejs
  stream: 10
  profiles: {10: [default], 12: []}
---
document: modulemd-obsoletes
version: 1
data: {module: nodejs, stream: 8, modified: 2020-01-01T00:00Z, message: gone}
---
document: modulemd-translations
version: 1
data: {module: nodejs, stream: 10, modified: 1, translations: {}}
---
document: modulemd
version: 3
data: {name: future, stream: x}
---
`,
			want: &Modules{Defaults: []ModuleDefaults{{Module: "nodejs", Stream: "10", Profiles: map[string][]string{"10": {"default"}, "12": {}}}}},
		},
		{
			name: "rejected documents keep the rest",
			yaml: `document: modulemd
version: 2
data:
  name: bad
  stream: s
  artifacts: {rpms: [bad-1.0-1.x86_64]}
---
document: modulemd
version: 2
data:
  name: typed
  stream: s
  version: not-a-number
---
document: modulemd-defaults
version: 1
data: {stream: x}
---
document: modulemd
version: 2
data: {stream: nameless}
---
document: modulemd
version: 2
data:
  name: good
  stream: s
  artifacts: {rpms: [good-0:1.0-1.x86_64]}
`,
			want: &Modules{Streams: []ModuleStream{{Name: "good", Stream: "s", Artifacts: []string{"good-0:1.0-1.x86_64"}}}},
			rejected: []string{
				`x.yaml: document 1 (line 1): artifact "bad-1.0-1.x86_64" is not in N-E:V-R.A form`,
				"x.yaml: document 2 (line 8): yaml: unmarshal errors: line 13: cannot unmarshal",
				"x.yaml: document 3 (line 15): line 17: modulemd-defaults without a module name",
				"x.yaml: document 4 (line 19): line 21: modulemd without name or stream",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseModules(strings.NewReader(tt.yaml), "x.yaml")
			if err != nil {
				t.Fatal(err)
			}
			rejected := got.Rejected
			got.Rejected = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%#v\nwant\n%#v", got, tt.want)
			}
			if len(rejected) != len(tt.rejected) {
				t.Fatalf("rejected %q, want %d", rejected, len(tt.rejected))
			}
			for i, r := range rejected {
				if !strings.Contains(r, tt.rejected[i]) {
					t.Errorf("rejected[%d] = %q, want it to contain %q", i, r, tt.rejected[i])
				}
			}
		})
	}
}

// TestParseModulesSyntaxError: a file that is not YAML is an error naming the
// file and the line.
func TestParseModulesSyntaxError(t *testing.T) {
	yaml := "document: modulemd\nversion: 2\ndata:\n  name: [unclosed\n"
	_, err := ParseModules(strings.NewReader(yaml), "repo/modules.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"repo/modules.yaml", "document 1", "line"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestValidNEVRA(t *testing.T) {
	tests := []struct {
		nevra string
		want  bool
	}{
		{"foo-0:1.0-1.el9.x86_64", true},
		{"foo-bar-12:1.0-1.src", true},
		{"foo-1:2-3.noarch", true},
		{"foo-1.0-1.el9.x86_64", false}, // no epoch
		{"foo-:1.0-1.x86_64", false},    // empty epoch
		{"foo-x:1.0-1.x86_64", false},   // epoch not a number
		{"foo-1x:1.0-1.x86_64", true},   // strtoll reads a prefix
		{"foo0:1.0-1.x86_64", false},    // no '-' before the epoch
		{"foo-0:1.0.x86_64", false},     // no release
		{"foo-0:1-1.0", true},           // whatever follows the last '.' is the arch
		{"foo-0:1.0-1", false},          // the '.' in the version is taken for the arch's
		{"foo-0:1-1", false},            // no '.'
		{"", false},
	}
	for _, tt := range tests {
		if got := validNEVRA(tt.nevra); got != tt.want {
			t.Errorf("validNEVRA(%q) = %v, want %v", tt.nevra, got, tt.want)
		}
	}
}

func FuzzParseModules(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("document: modulemd\nversion: 2\ndata: {name: a, stream: b, artifacts: {rpms: [a-0:1-1.x86_64]}}\n"))
	f.Add([]byte("document: modulemd-defaults\nversion: 1\ndata: {module: a, stream: b}\n---\n"))
	f.Add([]byte("document: modulemd\nversion: 1\ndata: {name: a, stream: b, dependencies: {requires: {p: q}}}\n"))
	f.Add([]byte("document: modulemd\nversion: 2\ndata:\n  name: [\n"))
	data := readModulesFile(f, "testdata/modules/f29.yaml")
	f.Add(data[:min(len(data), 8192)])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseModules(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			if m != nil {
				t.Fatal("both a result and an error")
			}
			return
		}
		for _, s := range m.Streams {
			if s.Name == "" || s.Stream == "" {
				t.Fatalf("stream without name or stream: %+v", s)
			}
			for _, a := range s.Artifacts {
				if !validNEVRA(a) {
					t.Fatalf("invalid artifact %q kept", a)
				}
			}
		}
	})
}

func BenchmarkParseModules(b *testing.B) {
	data := readModulesFile(b, "testdata/modules/f29.yaml")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseModules(bytes.NewReader(data), "f29.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
