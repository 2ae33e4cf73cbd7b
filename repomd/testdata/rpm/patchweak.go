//go:build ignore

// Command patchweak rewrites an .rpm built by rpmbuild 4.18 so that it
// carries weak dependencies the way rpm < 4.12 wrote them, which no current
// rpmbuild can produce: Suggests and Enhances move to the OLDSUGGESTS and
// OLDENHANCES tags, entries whose name contains "strong" get
// RPMSENSE_STRONG (so createrepo_c files them as Recommends and
// Supplements), and requires whose name contains "missingok" get
// RPMSENSE_MISSINGOK (createrepo_c files them as Recommends). The main
// header is laid out anew in tag order (rpm checks that data offsets
// ascend), then the signature header's size and its SHA1, SHA256 and MD5
// digests are recomputed, so rpm and createrepo_c read the result as a
// valid package.
//
//	go run patchweak.go FILE.rpm...
package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
)

const (
	leadSize = 96

	tagRequireFlags = 1048
	tagRequireName  = 1049

	senseMissingOK = 1 << 19
	senseStrong    = 1 << 27

	sigSHA1   = 269
	sigSHA256 = 273
	sigMD5    = 1004
	sigSize   = 1000
)

// oldTags maps the rpm >= 4.12 weak dependency tags to the legacy ones.
var oldTags = map[uint32]uint32{
	5049: 1156, 5050: 1157, 5051: 1158, // SUGGEST{NAME,VERSION,FLAGS} -> OLDSUGGESTS*
	5055: 1159, 5056: 1160, 5057: 1161, // ENHANCE{NAME,VERSION,FLAGS} -> OLDENHANCES*
}

type entry struct{ tag, typ, off, count uint32 }

type header struct {
	start, end int // byte range in the file
	index      []entry
	data       []byte // the data store, a view into the file
}

func readHeader(b []byte, start int) (header, error) {
	if len(b) < start+16 || !bytes.Equal(b[start:start+3], []byte{0x8e, 0xad, 0xe8}) {
		return header{}, fmt.Errorf("no header at offset %d", start)
	}
	n := int(binary.BigEndian.Uint32(b[start+8:]))
	size := int(binary.BigEndian.Uint32(b[start+12:]))
	h := header{start: start}
	for i := 0; i < n; i++ {
		p := b[start+16+16*i:]
		h.index = append(h.index, entry{binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint32(p[8:]), binary.BigEndian.Uint32(p[12:])})
	}
	dataStart := start + 16 + 16*n
	h.data = b[dataStart : dataStart+size]
	h.end = dataStart + size
	return h, nil
}

func (h header) find(tag uint32) (entry, bool) {
	for _, e := range h.index {
		if e.tag == tag {
			return e, true
		}
	}
	return entry{}, false
}

func (h header) strings(tag uint32) []string {
	e, ok := h.find(tag)
	if !ok {
		return nil
	}
	parts := bytes.SplitN(h.data[e.off:], []byte{0}, int(e.count)+1)
	out := make([]string, e.count)
	for i := range out {
		out[i] = string(parts[i])
	}
	return out
}

// orFlags sets bit on every flag of flagTag whose name (from nameTag) contains word.
func (h header) orFlags(nameTag, flagTag uint32, word string, bit uint32) {
	e, ok := h.find(flagTag)
	if !ok {
		return
	}
	for i, name := range h.strings(nameTag) {
		if bytes.Contains([]byte(name), []byte(word)) {
			p := h.data[e.off+4*uint32(i):]
			binary.BigEndian.PutUint32(p, binary.BigEndian.Uint32(p)|bit)
		}
	}
}

// dataLen is the length of e's data in store, per rpm's header format.
func dataLen(e entry, store []byte) (int, error) {
	sizes := map[uint32]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1} // CHAR, INT8, INT16, INT32, INT64, BIN
	if s, ok := sizes[e.typ]; ok {
		return s * int(e.count), nil
	}
	n, p := int(e.count), int(e.off) // STRING, STRING_ARRAY, I18NSTRING: NUL-terminated strings
	if e.typ == 6 {
		n = 1
	}
	for ; n > 0; n-- {
		i := bytes.IndexByte(store[p:], 0)
		if i < 0 {
			return 0, fmt.Errorf("tag %d: unterminated string", e.tag)
		}
		p += i + 1
	}
	return p - int(e.off), nil
}

// relayout writes h's index and data store anew, entries sorted by tag and
// data in the same order, as rpm requires; the region trailer stays last.
func relayout(h header) ([]byte, error) {
	region := h.index[0] // HEADERIMMUTABLE: its 16-byte trailer ends the store
	rest := append([]entry(nil), h.index[1:]...)
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].tag < rest[j].tag })
	align := map[uint32]int{3: 2, 4: 4, 5: 8}
	var store []byte
	for i, e := range rest {
		n, err := dataLen(e, h.data)
		if err != nil {
			return nil, err
		}
		for a := align[e.typ]; a > 1 && len(store)%a != 0; {
			store = append(store, 0)
		}
		data := h.data[e.off : int(e.off)+n]
		rest[i].off = uint32(len(store))
		store = append(store, data...)
	}
	trailer := h.data[region.off : region.off+16]
	region.off = uint32(len(store))
	store = append(store, trailer...)

	var out bytes.Buffer
	out.Write([]byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0})
	binary.Write(&out, binary.BigEndian, [2]uint32{uint32(len(h.index)), uint32(len(store))})
	for _, e := range append([]entry{region}, rest...) {
		binary.Write(&out, binary.BigEndian, e)
	}
	out.Write(store)
	return out.Bytes(), nil
}

func patch(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sig, err := readHeader(b, leadSize)
	if err != nil {
		return err
	}
	genStart := (sig.end + 7) &^ 7
	gen, err := readHeader(b, genStart)
	if err != nil {
		return err
	}

	gen.orFlags(tagRequireName, tagRequireFlags, "missingok", senseMissingOK)
	gen.orFlags(5049, 5051, "strong", senseStrong)
	gen.orFlags(5055, 5057, "strong", senseStrong)
	for i, e := range gen.index {
		if old, ok := oldTags[e.tag]; ok {
			gen.index[i].tag = old
		}
	}
	newGen, err := relayout(gen)
	if err != nil {
		return err
	}
	payload := b[gen.end:]
	rest := append(newGen, payload...)

	s1 := sha1.Sum(newGen)
	s256 := sha256.Sum256(newGen)
	m5 := md5.Sum(rest)
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(rest)))
	for _, d := range []struct {
		tag uint32
		val []byte
	}{
		{sigSHA1, []byte(hex.EncodeToString(s1[:]))},
		{sigSHA256, []byte(hex.EncodeToString(s256[:]))},
		{sigMD5, m5[:]},
		{sigSize, size[:]},
	} {
		if e, ok := sig.find(d.tag); ok {
			copy(sig.data[e.off:], d.val)
		}
	}
	return os.WriteFile(path, append(b[:genStart:genStart], rest...), 0o644)
}

func main() {
	for _, path := range os.Args[1:] {
		if err := patch(path); err != nil {
			fmt.Fprintf(os.Stderr, "patchweak: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}
