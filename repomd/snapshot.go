package repomd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
)

// A snapshot is what LoadAll loaded (the strings and the records), written
// to one file so that a warm run reads it back instead of decompressing and
// parsing the metadata again. The file is
//
//	magic, key (32 bytes), payload, CRC-32C of all before it (4 bytes)
//
// where the key hashes the program's build, the loader's options and every
// repomd.xml. A snapshot whose key or checksum does not match, or that does
// not decode, is ignored and rewritten: it can cost time, never an answer.
// The checksum only detects damage (whoever can write the cache can write
// a matching SHA-256 as well), so it is the one the CPU computes fastest.
type snapshot struct {
	path string
	key  [32]byte
}

// snapshotMagic starts a snapshot file; its number changes with the encoding.
const snapshotMagic = "repoclosure pool snapshot 3\n"

// snapshotCRC is the checksum's polynomial (Castagnoli: SSE4.2 and ARMv8
// compute it in hardware).
var snapshotCRC = crc32.MakeTable(crc32.Castagnoli)

// snapshotFor returns where the snapshot of sources lives and the key it
// must carry, or nil when there is none (no SnapshotDir, a folder of .rpm
// files, an unidentifiable build).
func (l *Loader) snapshotFor(sources []Source, fetched []*fetchedRepomd) *snapshot {
	build := buildID()
	if l.SnapshotDir == "" || build == "" {
		return nil
	}
	// The file name identifies the repositories and options, so that a
	// changed repomd.xml replaces its stale snapshot.
	name := sha256.New()
	fmt.Fprintf(name, "%q skip-filelists=%v required-files-only=%v\n", snapshotMagic, l.SkipFilelists, l.RequiredFilesOnly)
	for i, src := range sources {
		if fetched[i].rpmDir != "" {
			return nil
		}
		fmt.Fprintf(name, "%q hotfixes=%v\n", src.ID, src.ModuleHotfixes)
	}
	key := sha256.New()
	key.Write(name.Sum(nil))
	fmt.Fprintf(key, "%q\n", build)
	for _, f := range fetched {
		key.Write(f.sum[:])
	}
	s := &snapshot{path: filepath.Join(l.SnapshotDir, "snapshot-"+hex.EncodeToString(name.Sum(nil))[:16]+".bin")}
	key.Sum(s.key[:0])
	return s
}

// buildID identifies the running program: its module version and VCS
// revision, and the executable's size and time, which tell apart builds of
// a modified tree.
func buildID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	id := fmt.Sprintf("%d %d", st.Size(), st.ModTime().UnixNano())
	if bi, ok := debug.ReadBuildInfo(); ok {
		id += " " + bi.GoVersion + " " + bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				id += " " + s.Value
			}
		}
	}
	return id
}

// write stores repos, whose strings are the first n of repos[0].Strings
// (strings interned later are not part of the load). It streams to the
// file, so that a cold run does not hold a second copy of the records; it
// only reads the records and the table, so it may run while others read
// them too, and intern more strings. The file appears complete or not at
// all. Failing to write only costs the next run its speed, so errors are
// dropped.
func (s *snapshot) write(repos []*Repo, n int) {
	if len(repos) == 0 {
		return
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".snapshot-*")
	if err != nil {
		return
	}
	crc := &crcWriter{w: tmp}
	w := &snapWriter{w: bufio.NewWriterSize(crc, 64<<10)}
	err = w.snapshot(s.key, repos, n)
	if err == nil {
		_, err = tmp.Write(binary.LittleEndian.AppendUint32(nil, crc.sum))
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// read returns the snapshot's repositories, their strings loaded into strs,
// which must hold only the empty string; ok is false when there is no
// usable snapshot, and strs is then unchanged.
func (s *snapshot) read(strs *Strings) (repos []*Repo, ok bool) {
	if strs.Len() != 1 {
		return nil, false
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, false
	}
	return decodeSnapshot(s.key, data, strs)
}

// crcWriter writes to w and keeps the CRC-32C of what it wrote.
type crcWriter struct {
	w   io.Writer
	sum uint32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	c.sum = crc32.Update(c.sum, snapshotCRC, p)
	return c.w.Write(p)
}

// snapWriter writes a snapshot; the bufio.Writer keeps the first error
// for Flush.
type snapWriter struct {
	w       *bufio.Writer
	scratch [binary.MaxVarintLen64]byte
	list    []byte // one encoded list, written at once
}

func (w *snapWriter) uvarint(v uint64) {
	n := binary.PutUvarint(w.scratch[:], v)
	w.w.Write(w.scratch[:n])
}

func (w *snapWriter) string(s string) {
	w.uvarint(uint64(len(s)))
	w.w.WriteString(s)
}

func (w *snapWriter) bool(v bool) {
	if v {
		w.w.WriteByte(1)
	} else {
		w.w.WriteByte(0)
	}
}

// snapshot writes everything but the trailing checksum.
func (w *snapWriter) snapshot(key [32]byte, repos []*Repo, n int) error {
	strs := repos[0].Strings
	w.w.WriteString(snapshotMagic)
	w.w.Write(key[:])
	w.uvarint(uint64(n))
	for id := 1; id < n; id++ {
		w.string(strs.String(ID(id)))
	}
	w.uvarint(uint64(len(repos)))
	for _, r := range repos {
		if r.Strings != strs {
			return fmt.Errorf("repo %s: another string table", r.ID)
		}
		w.string(r.ID)
		w.bool(r.ModuleHotfixes)
		w.bool(r.Modules != nil)
		if r.Modules != nil {
			var g bytes.Buffer
			if err := gob.NewEncoder(&g).Encode(r.Modules); err != nil {
				return err
			}
			w.string(g.String())
		}
		deps, files := 0, 0
		for i := range r.Packages {
			deps += len(r.Packages[i].deps)
			files += len(r.Packages[i].Files)
		}
		w.uvarint(uint64(len(r.Packages)))
		w.uvarint(uint64(deps))
		w.uvarint(uint64(files))
		for i := range r.Packages {
			p := &r.Packages[i]
			for _, id := range []ID{p.Name, p.Arch, p.EVR, p.SourceRPM} {
				w.uvarint(uint64(id))
			}
			w.string(p.PkgID)
			w.string(p.Location)
			w.string(p.LocationBase)
			// Deps and files at fixed width: most of a snapshot, read
			// back in a tight loop.
			for k := range NumDepKinds {
				list := p.Deps(k)
				w.uvarint(uint64(len(list)))
				b := w.list[:0]
				for _, d := range list {
					b = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(b, uint32(d.Name)), d.bits)
				}
				w.list = b
				w.w.Write(b)
			}
			w.uvarint(uint64(len(p.Files)))
			b := w.list[:0]
			for _, f := range p.Files {
				b = append(binary.LittleEndian.AppendUint32(b, uint32(f.Path)), byte(f.Kind))
			}
			w.list = b
			w.w.Write(b)
		}
	}
	return w.w.Flush()
}

// snapDecoder reads a payload; the first problem sticks in bad.
type snapDecoder struct {
	b   []byte
	n   int // strings in the table, bound of ids
	bad bool
}

func (d *snapDecoder) uvarint() uint64 {
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[k:]
	return v
}

// count reads a length, which cannot exceed the bytes left.
func (d *snapDecoder) count() int {
	v := d.uvarint()
	if v > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return 0
	}
	return int(v)
}

func (d *snapDecoder) bytes() []byte {
	n := d.count()
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// fixed reads a count and then count records of size bytes each.
func (d *snapDecoder) fixed(size int) []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)/size) {
		d.bad, d.b = true, nil
		return nil
	}
	v := d.b[:int(n)*size]
	d.b = d.b[int(n)*size:]
	return v
}

func (d *snapDecoder) id() ID {
	v := d.uvarint()
	if v >= uint64(d.n) {
		d.bad = true
		return 0
	}
	return ID(v)
}

func (d *snapDecoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func decodeSnapshot(key [32]byte, data []byte, strs *Strings) ([]*Repo, bool) {
	head := len(snapshotMagic) + len(key)
	if len(data) < head+crc32.Size || string(data[:len(snapshotMagic)]) != snapshotMagic ||
		!bytes.Equal(data[len(snapshotMagic):head], key[:]) {
		return nil, false
	}
	body := data[:len(data)-crc32.Size]
	if crc32.Checksum(body, snapshotCRC) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, false
	}
	d := &snapDecoder{b: body[head:]}
	n := d.count()
	if n > MaxIDs {
		return nil, false
	}
	table := newStringsFor(n)
	for id := 1; id < n && !d.bad; id++ {
		b := d.bytes()
		if len(b) == 0 {
			return nil, false // not a table we wrote
		}
		table.appendNew(b)
	}
	if d.bad {
		return nil, false
	}
	// The hash table is built while the records are read (index only
	// reads the strings); a string there twice is not a table we wrote.
	indexed := make(chan bool, 1)
	go func() { indexed <- table.index() }()
	d.n = n
	var maxID uint32 // of the fixed-width ids, checked once at the end
	repos := make([]*Repo, d.count())
	for ri := range repos {
		if d.bad {
			return nil, false
		}
		r := &Repo{ID: string(d.bytes()), Strings: strs, ModuleHotfixes: d.byte() == 1}
		if d.byte() == 1 {
			r.Modules = &Modules{}
			if err := gob.NewDecoder(bytes.NewReader(d.bytes())).Decode(r.Modules); err != nil {
				return nil, false
			}
		}
		r.Packages = make([]Package, d.count())
		var text arena[byte] // one allocation for many packages' text
		deps := make([]Dep, 0, d.count())
		files := make([]File, 0, d.count())
		for i := range r.Packages {
			if d.bad {
				return nil, false
			}
			p := &r.Packages[i]
			p.Name, p.Arch, p.EVR, p.SourceRPM = d.id(), d.id(), d.id(), d.id()
			p.PkgID, p.Location, p.LocationBase = arenaString(&text, d.bytes()), arenaString(&text, d.bytes()), arenaString(&text, d.bytes())
			start := len(deps)
			for k := range NumDepKinds {
				for b := d.fixed(8); len(b) >= 8; b = b[8:] {
					name, bits := binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint32(b[4:])
					maxID = max(maxID, name, bits>>4)
					deps = append(deps, Dep{Name: ID(name), bits: bits})
				}
				p.depEnd[k] = uint32(len(deps) - start)
			}
			if len(deps) > start {
				p.deps = deps[start:len(deps):len(deps)]
			}
			start = len(files)
			for b := d.fixed(5); len(b) >= 5; b = b[5:] {
				path := binary.LittleEndian.Uint32(b)
				maxID = max(maxID, path)
				files = append(files, File{Path: ID(path), Kind: FileKind(b[4])})
			}
			if len(files) > start {
				p.Files = files[start:len(files):len(files)]
			}
		}
		repos[ri] = r
	}
	if !<-indexed || d.bad || len(d.b) != 0 || int64(maxID) >= int64(n) {
		return nil, false
	}
	strs.adopt(table)
	return repos, true
}
