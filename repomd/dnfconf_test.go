package repomd

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadMainConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "dnf.conf")
	mustWrite(t, conf, []byte("[main]\nreposdir=/a, /b\n /c\nexcludepkgs=foo*\nexclude=bar\nincludepkgs=$basearch-only\nbest=False\n"+
		"gpgcheck=1\ninstall_weak_deps=0\ntypo_option=1\n\n[extra]\nbaseurl=file:///srv/$basearch\nsslverify=0\ngpgchek=1\n"))
	mc, err := ReadMainConfig(conf, Vars{"basearch": "x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/a", "/b", "/c"}; !reflect.DeepEqual(mc.ReposDirs, want) {
		t.Errorf("ReposDirs %q, want %q", mc.ReposDirs, want)
	}
	if want := []string{"foo*", "bar"}; !reflect.DeepEqual(mc.Exclude, want) {
		t.Errorf("Exclude %q, want %q", mc.Exclude, want)
	}
	if want := []string{"x86_64-only"}; !reflect.DeepEqual(mc.Include, want) {
		t.Errorf("Include %q, want %q", mc.Include, want)
	}
	if mc.Best == nil || *mc.Best {
		t.Errorf("Best %v, want false", mc.Best)
	}
	if len(mc.Repos) != 1 || mc.Repos[0].ID != "extra" || mc.Repos[0].BaseURLs[0] != "file:///srv/x86_64" || !mc.Repos[0].HTTP.NoVerify {
		t.Errorf("Repos %+v", mc.Repos)
	}
	if want := []string{conf + ":10: typo_option", conf + ":15: gpgchek"}; !reflect.DeepEqual(mc.Unknown, want) {
		t.Errorf("Unknown %q, want %q", mc.Unknown, want)
	}

	for name, text := range map[string]string{"bad best": "[main]\nbest=maybe\n", "bad sslverify": "[r]\nsslverify=perhaps\n", "syntax": "[main\n"} {
		mustWrite(t, conf, []byte(text))
		if _, err := ReadMainConfig(conf, nil); err == nil || !strings.Contains(err.Error(), conf) {
			t.Errorf("%s: %v, want an error naming %s", name, err, conf)
		}
	}
	if _, err := ReadMainConfig(filepath.Join(dir, "nope"), nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadRepoDirs(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	mustWrite(t, filepath.Join(a, "one.repo"), []byte("[one]\nbaseurl=http://x/\nmetadata_expire=1d\npriorty=3\n"))
	mustWrite(t, filepath.Join(b, "two.repo"), []byte("[two]\nbaseurl=http://y/\nproxy=_none_\n"))
	missing := filepath.Join(a, "typo")
	rd, err := LoadRepoDirs([]string{a, missing, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.Repos) != 2 || rd.Repos[0].ID != "one" || rd.Repos[1].ID != "two" || !rd.Repos[1].HTTP.ProxyDisabled {
		t.Errorf("Repos %+v", rd.Repos)
	}
	if !reflect.DeepEqual(rd.Missing, []string{missing}) {
		t.Errorf("Missing %q", rd.Missing)
	}
	if want := []string{filepath.Join(a, "one.repo") + ":4: priorty"}; !reflect.DeepEqual(rd.Unknown, want) {
		t.Errorf("Unknown %q, want %q", rd.Unknown, want)
	}
	// One id in two dirs keeps the first definition, as dnf does, and
	// Duplicates names both files.
	mustWrite(t, filepath.Join(b, "again.repo"), []byte("[one]\nbaseurl=http://z/\n"))
	rd, err = LoadRepoDirs([]string{a, b}, nil)
	if err != nil || len(rd.Repos) != 2 || rd.Repos[0].BaseURLs[0] != "http://x/" {
		t.Errorf("duplicate id: %+v, %v; want one from one.repo", rd, err)
	} else if len(rd.Duplicates) != 1 || !strings.Contains(rd.Duplicates[0], "one.repo") || !strings.Contains(rd.Duplicates[0], "again.repo") {
		t.Errorf("Duplicates %q, want one naming one.repo and again.repo", rd.Duplicates)
	}
	file := filepath.Join(a, "one.repo")
	if _, err := LoadRepoDirs([]string{file}, nil); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as reposdir: %v", err)
	}
}

func TestMatchRepoIDs(t *testing.T) {
	ids := []string{"baseos", "appstream", "extras", "epel"}
	tests := []struct {
		patterns []string
		want     []string
		err      string
	}{
		{nil, nil, ""},
		{[]string{"baseos"}, []string{"baseos"}, ""},
		{[]string{"e*"}, []string{"extras", "epel"}, ""},
		{[]string{"e*", "extras", "base?s"}, []string{"extras", "epel", "baseos"}, ""},
		{[]string{"nope"}, nil, "Unknown repo: 'nope'"},
		{[]string{"z*"}, nil, "no repository matches 'z*'"},
		{[]string{"baseos", "nope"}, nil, "Unknown repo: 'nope'"},
	}
	for _, tt := range tests {
		got, err := MatchRepoIDs(tt.patterns, ids)
		var unknown *UnknownRepoError
		switch {
		case tt.err == "" && (err != nil || !reflect.DeepEqual(got, tt.want)):
			t.Errorf("MatchRepoIDs(%q) = %q, %v; want %q", tt.patterns, got, err, tt.want)
		case tt.err != "" && (!errors.As(err, &unknown) || err.Error() != tt.err):
			t.Errorf("MatchRepoIDs(%q): %v, want %q", tt.patterns, err, tt.err)
		}
	}
}

func TestReleaseverFromRoot(t *testing.T) {
	tests := []struct{ osRelease, want string }{
		{"ID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"9\"\n", "9"},
		{"ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", "9"},
		{"ID=almalinux\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"8.10\"\n", "8"},
		{"ID=fedora\nVERSION_ID=41\n", "41"},
		{"ID=opensuse-leap\nVERSION_ID=\"15.6\"\n", "15.6"},
		{"", ""},
	}
	for _, tt := range tests {
		root := t.TempDir()
		if tt.osRelease != "" {
			mustWrite(t, filepath.Join(root, "etc", "os-release"), []byte(tt.osRelease))
		}
		if got := ReleaseverFromRoot(root); got != tt.want {
			t.Errorf("ReleaseverFromRoot(%q) = %q, want %q", tt.osRelease, got, tt.want)
		}
	}
	// usr/lib/os-release when etc has none.
	root := t.TempDir()
	mustWrite(t, filepath.Join(root, "usr", "lib", "os-release"), []byte("ID=fedora\nVERSION_ID=40\n"))
	if got := ReleaseverFromRoot(root); got != "40" {
		t.Errorf("from usr/lib: %q", got)
	}
}

func TestCheckVarsSet(t *testing.T) {
	for loc, bad := range map[string]bool{
		"http://x/$releasever/os":         true,
		"http://x/${releasever}/os":       true,
		"http://x/$releasever_major/":     true,
		"http://x/$basearch/os":           false,
		"http://x/9/os":                   false,
		"http://mirrors/?release=$relver": false,
	} {
		c := RepoConfig{ID: "r", File: "r.repo", BaseURLs: []string{loc}}
		if err := c.CheckVarsSet(); (err != nil) != bad || bad && !strings.Contains(err.Error(), "--releasever") {
			t.Errorf("%s: %v", loc, err)
		}
		c = RepoConfig{ID: "r", File: "r.repo", Metalink: loc}
		if err := c.CheckVarsSet(); (err != nil) != bad {
			t.Errorf("metalink %s: %v", loc, err)
		}
	}
}

func TestUnderRoot(t *testing.T) {
	paths := []string{"/etc/yum.repos.d", "/etc/distro.repos.d"}
	if got := UnderRoot("", paths); !reflect.DeepEqual(got, paths) {
		t.Errorf("no root: %q", got)
	}
	if got := UnderRoot("/", paths); !reflect.DeepEqual(got, paths) {
		t.Errorf("root /: %q", got)
	}
	if got, want := UnderRoot("/mnt/sysimage", paths), []string{"/mnt/sysimage/etc/yum.repos.d", "/mnt/sysimage/etc/distro.repos.d"}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnderRoot = %q, want %q", got, want)
	}
}

func TestRepoHTTPSet(t *testing.T) {
	var h RepoHTTP
	for _, kv := range [][2]string{{"sslverify", "false"}, {"sslcacert", "/ca"}, {"sslclientcert", "/c"}, {"sslclientkey", "/k"}, {"proxy", "http://p:3128"}} {
		if handled, err := h.Set(kv[0], kv[1]); !handled || err != nil {
			t.Errorf("Set(%q): %v, %v", kv, handled, err)
		}
	}
	if want := (RepoHTTP{NoVerify: true, CACert: "/ca", ClientCert: "/c", ClientKey: "/k", Proxy: "http://p:3128"}); h != want {
		t.Errorf("%+v, want %+v", h, want)
	}
	if h.Set("proxy", "_none_"); h.Proxy != "" || !h.ProxyDisabled {
		t.Errorf("proxy=_none_: %+v", h)
	}
	if _, err := h.Set("sslverify", "maybe"); err == nil {
		t.Error("sslverify=maybe accepted")
	}
	if handled, _ := h.Set("gpgcheck", "1"); handled {
		t.Error("gpgcheck handled as a network option")
	}
}

func TestNoReposErrorMissing(t *testing.T) {
	tests := []struct {
		dirs, missing []string
		want          string
	}{
		{[]string{"/a"}, nil, `There are no enabled repositories in "/a".`},
		{[]string{"/a", "/b"}, []string{"/b"}, `There are no enabled repositories in "/a", "/b". (reposdir /b does not exist)`},
		{[]string{"/a", "/b", "/c"}, []string{"/a", "/b"}, `There are no enabled repositories in "/a", "/b", "/c". (reposdirs /a, /b do not exist)`},
		{[]string{"/a", "/b", "/c"}, []string{"/a", "/b", "/c"}, `There are no enabled repositories in "/a", "/b", "/c". (none of the reposdirs exist: /a, /b, /c)`},
	}
	for _, tt := range tests {
		if got := (&NoReposError{ReposDirs: tt.dirs, Missing: tt.missing}).Error(); got != tt.want {
			t.Errorf("%v missing %v: %q, want %q", tt.dirs, tt.missing, got, tt.want)
		}
	}
}
