package repomd

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// ID names an interned string. The zero ID is the empty string, so a zero
// field means "absent". Ids stay below MaxIDs, so that Dep can keep an EVR
// id and its flags in one word.
type ID uint32

// MaxIDs bounds how many strings a table holds (268 million: gigabytes of
// metadata). Intern of one more string returns 0, the empty string.
const MaxIDs = 1 << slotIDBits

const (
	internPageBits = 12
	internPageSize = 1 << internPageBits
	arenaChunkSize = 1 << 20
)

// Strings interns strings to 32-bit ids. Bytes live in append-only arena
// chunks that never move, so a string handed out stays valid for the life of
// the table. Intern is safe for concurrent use; String and Bytes may run
// concurrently with Intern for any id already returned.
type Strings struct {
	mu    sync.Mutex
	seed  maphash.Seed
	table []slot // open addressing, linear probing
	count int    // ids in use, including the empty string at 0

	// id -> where its bytes are, in pages of internPageSize: 8 bytes an id
	// rather than a string header's 16, and nothing for the GC to scan.
	pages    atomic.Pointer[[][]strRef]
	chunks   atomic.Pointer[[][]byte] // the arena chunks strRefs point into
	arena    []byte                   // current chunk
	arenaIdx strRef                   // its index in chunks
}

// A slot of the hash table holds the top slotTagBits bits of a string's
// hash above its id (ids stay below MaxIDs), or 0 when empty ("", id 0, is
// never in the table). The tag rules out most mismatches on a probe
// without reading the string, in 4 bytes a slot.
type slot uint32

const (
	slotIDBits  = 28 // MaxIDs is 1 << slotIDBits
	slotTagBits = 32 - slotIDBits
)

// maxLoad is the fraction of slots in use that makes the table grow: with
// tags, a longer probe is cheap.
const maxLoadNum, maxLoadDen = 3, 4

// slotFor returns the slot of id, whose string hashes to h.
func slotFor(h uint64, id ID) slot {
	return slot(h>>(64-slotTagBits))<<slotIDBits | slot(id)
}

// strRef locates a string: chunk index << 40 | offset << 20 | length, or a
// whole chunk (a string too long for the arena, or "") when length is 0.
type strRef uint64

const strRefBits = 20 // offset and length bits: arenaChunkSize is 1 << 20

// NewStrings returns a table holding only the empty string (ID 0).
func NewStrings() *Strings {
	return newStringsFor(0)
}

// newStringsFor returns an empty table with room for n strings before it
// grows, for a load whose count is known (a snapshot).
func newStringsFor(n int) *Strings {
	size := 1 << 12
	for maxLoadDen*n > maxLoadNum*size {
		size *= 4
	}
	s := &Strings{seed: maphash.MakeSeed(), table: make([]slot, size)}
	pages := [][]strRef{make([]strRef, internPageSize)}
	s.pages.Store(&pages)
	chunks := [][]byte{{}} // chunk 0 is "", which id 0's zero strRef names
	s.chunks.Store(&chunks)
	s.count = 1
	return s
}

// Full reports whether the table reached MaxIDs, after which new strings
// are not interned: whatever was loaded since is wrong and must be refused.
func (s *Strings) Full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count >= MaxIDs
}

// Len reports how many distinct strings the table holds, the empty one included.
func (s *Strings) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

// String returns the string for id.
func (s *Strings) String(id ID) string {
	pages := *s.pages.Load()
	return s.str(pages[id>>internPageBits][id&(internPageSize-1)])
}

// str returns the string ref locates.
func (s *Strings) str(ref strRef) string {
	c := (*s.chunks.Load())[ref>>(2*strRefBits)]
	n := int(ref & (1<<strRefBits - 1))
	if n == 0 {
		return unsafe.String(unsafe.SliceData(c), len(c))
	}
	return unsafe.String(&c[ref>>strRefBits&(1<<strRefBits-1)], n)
}

// Intern returns the id of b, adding it if it is new. b is copied.
func (s *Strings) Intern(b []byte) ID {
	if len(b) == 0 {
		return 0
	}
	h := maphash.Bytes(s.seed, b)
	s.mu.Lock()
	id, at := s.find(h, b)
	if id == 0 && s.count < MaxIDs {
		id = s.add(h, at, s.copyToArena(b))
	}
	s.mu.Unlock()
	return id
}

// appendNew adds b, which must not be empty, as the next id of a table
// that nobody else uses yet (a snapshot being read), without entering it
// in the hash table: index does, for all of them at once.
func (s *Strings) appendNew(b []byte) {
	s.push(s.copyToArena(b))
}

// index enters every string in the hash table, which must be empty and
// sized for them (newStringsFor); it reports false if a string is there
// twice, which Intern would never have made. It may run while others read
// the strings, not while they intern.
func (s *Strings) index() bool {
	pages := *s.pages.Load()
	for id := ID(1); int(id) < s.count; id++ {
		str := s.str(pages[id>>internPageBits][id&(internPageSize-1)])
		h := maphash.String(s.seed, str)
		dup, at := s.find(h, unsafe.Slice(unsafe.StringData(str), len(str)))
		if dup != 0 {
			return false
		}
		s.table[at] = slotFor(h, id)
	}
	return true
}

// InternString is Intern for a string.
func (s *Strings) InternString(str string) ID {
	if str == "" {
		return 0
	}
	h := maphash.String(s.seed, str)
	s.mu.Lock()
	id, at := s.find(h, []byte(str))
	if id == 0 && s.count < MaxIDs {
		id = s.add(h, at, s.copyToArena([]byte(str)))
	}
	s.mu.Unlock()
	return id
}

// Lookup returns the id of str without adding it; ok is false when str was
// never interned. The empty string is always present.
func (s *Strings) Lookup(str string) (id ID, ok bool) {
	if str == "" {
		return 0, true
	}
	h := maphash.String(s.seed, str)
	s.mu.Lock()
	id, _ = s.find(h, []byte(str))
	s.mu.Unlock()
	return id, id != 0
}

// find returns the id of b, or 0 and the empty slot where it belongs.
func (s *Strings) find(h uint64, b []byte) (ID, int) {
	mask := len(s.table) - 1
	tag := slotFor(h, 0)
	pages := *s.pages.Load()
	for i := int(h) & mask; ; i = (i + 1) & mask {
		e := s.table[i]
		if e == 0 {
			return 0, i
		}
		if e&^(1<<slotIDBits-1) != tag {
			continue
		}
		id := ID(e & (1<<slotIDBits - 1))
		if str := s.str(pages[id>>internPageBits][id&(internPageSize-1)]); len(str) == len(b) && str == string(b) {
			return id, i
		}
	}
}

func (s *Strings) add(h uint64, at int, ref strRef) ID {
	id, pages := s.push(ref)
	s.table[at] = slotFor(h, id)
	if maxLoadDen*(s.count-1) > maxLoadNum*len(s.table) {
		// Four times as big: resizes rehash a third as many strings as
		// doubling, and the table is no bigger than 8-byte slots would be.
		s.resize(pages, 4*len(s.table))
	}
	return id
}

// push gives the string at ref the next id, without entering it in the
// hash table, and returns the id and the pages.
func (s *Strings) push(ref strRef) (ID, [][]strRef) {
	id := ID(s.count)
	s.count++
	pages := *s.pages.Load()
	page := int(id >> internPageBits)
	if page == len(pages) {
		// Copy-on-grow the outer slice so that concurrent readers keep a
		// consistent view.
		grown := make([][]strRef, len(pages)+1)
		copy(grown, pages)
		grown[page] = make([]strRef, internPageSize)
		s.pages.Store(&grown)
		pages = grown
	}
	pages[page][id&(internPageSize-1)] = ref
	return id, pages
}

// resize rebuilds the hash table with size slots (a power of two). It
// hashes the strings again in id order, which reads the pages and the
// arena front to back, as they were written.
func (s *Strings) resize(pages [][]strRef, size int) {
	table := make([]slot, size)
	mask := len(table) - 1
	for id := ID(1); int(id) < s.count; id++ {
		h := maphash.String(s.seed, s.str(pages[id>>internPageBits][id&(internPageSize-1)]))
		i := int(h) & mask
		for table[i] != 0 {
			i = (i + 1) & mask
		}
		table[i] = slotFor(h, id)
	}
	s.table = table
}

// copyToArena copies b into the current chunk (a fresh one when full), so
// that many short strings share few allocations, and returns where it is.
// Chunks are append-only, which keeps the strings String returns immutable.
func (s *Strings) copyToArena(b []byte) strRef {
	if len(b) > arenaChunkSize/8 {
		return s.addChunk(bytes.Clone(b)) << (2 * strRefBits)
	}
	if len(s.arena)+len(b) > cap(s.arena) {
		s.arena = make([]byte, 0, arenaChunkSize)
		s.arenaIdx = s.addChunk(s.arena[:arenaChunkSize])
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	return s.arenaIdx<<(2*strRefBits) | strRef(start)<<strRefBits | strRef(len(b))
}

// addChunk appends c to chunks and returns its index. The list is copied,
// so that concurrent readers keep a consistent view.
func (s *Strings) addChunk(c []byte) strRef {
	old := *s.chunks.Load()
	grown := append(old[:len(old):len(old)], c)
	s.chunks.Store(&grown)
	return strRef(len(old))
}

// depInterner interns one parser's dependency names and versions in front of
// a Strings table. Dependency lists repeat in the same order package after
// package (a kernel build's 20,000 kernel(...) provides, then the next
// build's), so it first predicts: the name that followed the previous name
// last time, and the version last seen with this name (or the last version).
// A hit costs one compare, without hashing or the table's lock. Misses, and
// the package-level strings (names, arches, EVRs, source packages, which
// recur from package to package or in the provides), go through a small
// direct-mapped cache of recent strings (names like libc.so.6()(64bit)
// recur out of order), then to the table.
type depInterner struct {
	strs    *Strings
	prev    ID // the name interned last
	lastEVR ID // the version interned last
	// next and evr are direct-mapped by name id: the name that followed it
	// last time, and the version last seen with it.
	next, evr [predictSlots]struct{ key, id ID }
	// recent catches about 80% of the dependency names of CentOS Stream 9
	// AppStream with 4,096 slots.
	recent [4096]struct {
		str string // a view of the table's arena
		id  ID
	}
}

// predictSlots bounds the predictions kept: 64k names, more than the
// distinct dependency names of a kernel build's symbol lists (about 25,000).
const predictSlots = 1 << 16

func newDepInterner(strs *Strings) *depInterner {
	return &depInterner{strs: strs}
}

// name returns the id of the dependency name b.
func (d *depInterner) name(b []byte) ID {
	slot := &d.next[d.prev%predictSlots]
	if slot.key == d.prev && slot.id != 0 && d.strs.String(slot.id) == string(b) {
		d.prev = slot.id
		return slot.id
	}
	id := d.lookup(b)
	if id != 0 {
		slot.key, slot.id = d.prev, id
		d.prev = id
	}
	return id
}

// version returns the id of the version b of the dependency named name.
// Failing the version last seen with name, it tries the last version
// returned: a package's versioned provides mostly carry its own EVR.
func (d *depInterner) version(name ID, b []byte) ID {
	slot := &d.evr[name%predictSlots]
	if slot.key == name && slot.id != 0 && d.strs.String(slot.id) == string(b) {
		return slot.id
	}
	id := d.lastEVR
	if id == 0 || d.strs.String(id) != string(b) {
		id = d.lookup(b)
	}
	slot.key, slot.id = name, id
	d.lastEVR = id
	return id
}

// lookup interns b through the recent-strings cache.
func (d *depInterner) lookup(b []byte) ID {
	if len(b) == 0 {
		return 0
	}
	slot := &d.recent[cheapHash(b)%uint64(len(d.recent))]
	if slot.str == string(b) {
		return slot.id
	}
	id := d.strs.Intern(b)
	slot.str, slot.id = d.strs.String(id), id
	return id
}

// cheapHash mixes the length and the first, middle and last eight bytes of b:
// enough to spread names that share a prefix or a suffix.
func cheapHash(b []byte) uint64 {
	h := uint64(len(b))
	if len(b) >= 8 {
		h ^= binary.LittleEndian.Uint64(b)
		h ^= binary.LittleEndian.Uint64(b[len(b)-8:]) * 0xff51afd7ed558ccd
		h ^= binary.LittleEndian.Uint64(b[len(b)/2-4:]) * 0xc4ceb9fe1a85ec53
	} else {
		for _, c := range b {
			h = h<<8 | uint64(c)
		}
	}
	h *= 0x9e3779b97f4a7c15
	return h >> 32
}

// adopt makes s hold o's strings, for a table read whole (a snapshot): s
// must not be in use by anyone else meanwhile, and o is not used after.
func (s *Strings) adopt(o *Strings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seed, s.table, s.count, s.arena, s.arenaIdx = o.seed, o.table, o.count, o.arena, o.arenaIdx
	s.pages.Store(o.pages.Load())
	s.chunks.Store(o.chunks.Load())
}
