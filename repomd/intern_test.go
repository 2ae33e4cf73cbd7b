package repomd

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestStringsIntern(t *testing.T) {
	s := NewStrings()
	if id := s.InternString(""); id != 0 || s.String(0) != "" {
		t.Fatalf("empty string: id %d", id)
	}
	ids := map[string]ID{}
	// Enough strings to cross a page boundary and several resizes.
	for i := 0; i < 3*internPageSize; i++ {
		str := fmt.Sprintf("kernel(sym_%d)", i)
		id := s.Intern([]byte(str))
		if prev, ok := ids[str]; ok && prev != id {
			t.Fatalf("%s: id %d then %d", str, prev, id)
		}
		ids[str] = id
	}
	for str, id := range ids {
		if got := s.String(id); got != str {
			t.Fatalf("String(%d) = %q, want %q", id, got, str)
		}
		if again := s.InternString(str); again != id {
			t.Fatalf("InternString(%q) = %d, want %d", str, again, id)
		}
		if got, ok := s.Lookup(str); !ok || got != id {
			t.Fatalf("Lookup(%q) = %d %v", str, got, ok)
		}
	}
	if s.Len() != len(ids)+1 {
		t.Errorf("Len %d, want %d", s.Len(), len(ids)+1)
	}
	if _, ok := s.Lookup("never interned"); ok {
		t.Error("Lookup found a string never interned")
	}
	// A big string lives outside the arena and still round-trips.
	big := make([]byte, arenaChunkSize)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	if id := s.Intern(big); s.String(id) != string(big) {
		t.Error("big string does not round-trip")
	}
	// Intern copies: changing the caller's buffer changes nothing.
	buf := []byte("mutable")
	id := s.Intern(buf)
	buf[0] = 'X'
	if s.String(id) != "mutable" {
		t.Errorf("interned string changed with the caller's buffer: %q", s.String(id))
	}
}

func TestStringsConcurrent(t *testing.T) {
	s := NewStrings()
	const workers, n = 4, 20000
	results := make([][]ID, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				id := s.InternString(fmt.Sprint("dep-", i))
				results[w] = append(results[w], id)
				if s.String(id) != fmt.Sprint("dep-", i) {
					t.Errorf("worker %d: String(%d) wrong", w, id)
					return
				}
			}
		}()
	}
	wg.Wait()
	for w := 1; w < workers; w++ {
		for i := range results[0] {
			if results[w][i] != results[0][i] {
				t.Fatalf("workers disagree on the id of dep-%d", i)
			}
		}
	}
}

func BenchmarkIntern(b *testing.B) {
	words := make([][]byte, 1<<16)
	size := 0
	for i := range words {
		words[i] = []byte(fmt.Sprintf("libfoo.so.%d()(64bit)", i%20000))
		size += len(words[i])
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		s := NewStrings()
		for _, w := range words {
			s.Intern(w)
		}
	}
}

// TestDepInterner checks that predictions never change an answer: lists that
// repeat, repeat with changes, share prefixes and collide in the prediction
// tables all intern to the ids the table itself gives.
func TestDepInterner(t *testing.T) {
	s := NewStrings()
	d := newDepInterner(s)
	check := func(name, evr string) {
		t.Helper()
		n := d.name([]byte(name))
		if want, _ := s.Lookup(name); n != want || s.String(n) != name {
			t.Fatalf("name(%q) = %d (%q), want %d", name, n, s.String(n), want)
		}
		v := d.version(n, []byte(evr))
		if want, _ := s.Lookup(evr); v != want || s.String(v) != evr {
			t.Fatalf("version(%q, %q) = %d (%q), want %d", name, evr, v, s.String(v), want)
		}
	}
	for build := range 6 {
		for i := range 3 * predictSlots / 2 {
			// Every third build changes some versions and drops or
			// reorders names, so predictions both hit and miss.
			sym := i
			if build%3 == 2 && i%7 == 0 {
				sym = i + 1
			}
			crc := fmt.Sprintf("0x%08x", sym*2654435761%(1<<32))
			if build >= 3 && i%5 == 0 {
				crc = fmt.Sprintf("0x%08x", build*i)
			}
			check(fmt.Sprintf("kernel(sym_%d)", sym), crc)
		}
		check("", "")
	}
	// A package's provides carry its EVR, which the last version predicts,
	// among others that it does not.
	for pkg := range 50 {
		evr := fmt.Sprintf("1.%d-1.el9", pkg)
		for _, name := range []string{"p%d", "p%d(x86-64)", "config(p%d)", "lib%d.so", "p%d-extra"} {
			v := evr
			if strings.HasPrefix(name, "lib") {
				v = "2.0"
			}
			check(fmt.Sprintf(name, pkg), v)
		}
	}
}

// TestStringsIndex: a table filled without hashing (a snapshot being read)
// and indexed at once finds what Intern would, and index refuses a string
// given twice.
func TestStringsIndex(t *testing.T) {
	for _, tc := range []struct {
		name string
		strs []string
		ok   bool
	}{
		{"distinct", []string{"a", "b", "libc.so.6()(64bit)", "/usr/bin/sh"}, true},
		{"many", func() (l []string) {
			for i := range 70000 {
				l = append(l, fmt.Sprint("kernel(sym_", i, ")"))
			}
			return l
		}(), true},
		{"repeated", []string{"a", "b", "a"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStringsFor(len(tc.strs) + 1)
			for _, str := range tc.strs {
				s.appendNew([]byte(str))
			}
			if ok := s.index(); ok != tc.ok {
				t.Fatalf("index() = %v, want %v", ok, tc.ok)
			}
			if !tc.ok {
				return
			}
			for i, str := range tc.strs {
				if id, ok := s.Lookup(str); !ok || id != ID(i+1) {
					t.Fatalf("Lookup(%q) = %d %v, want %d", str, id, ok, i+1)
				}
			}
			if id := s.InternString("new"); int(id) != len(tc.strs)+1 || s.String(id) != "new" {
				t.Errorf("InternString after index: %d", id)
			}
		})
	}
}
