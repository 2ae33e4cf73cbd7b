package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleKernel(uname string, crc uint32) Kernel {
	return Kernel{
		Uname: uname, EVR: strings.TrimSuffix(uname, ".x86_64"), Arch: "x86_64",
		Source: "kernel-" + strings.TrimSuffix(uname, ".x86_64") + ".src.rpm", Repo: "baseos", URL: "http://mirror/baseos",
		Packages: []Package{{Name: "kernel-core", EVR: strings.TrimSuffix(uname, ".x86_64"), Arch: "x86_64",
			Provides: []Dep{{Name: "kernel-uname-r", Op: "=", EVR: uname}}}},
		Symbols: []Symbol{{"a_sym", 1}, {"b_sym", crc}, {"zz", 0xffffffff}},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "h?x=1#%20.db") // URI characters stay in the name
	if _, err := Open(ctx, path, false); err == nil {
		t.Fatal("Open without create succeeded on a missing file")
	}
	s, err := Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	k1, k2 := sampleKernel("5.14.0-1.el9.x86_64", 2), sampleKernel("5.14.0-2.el9.x86_64", 3)
	m := Kmod{NEVRA: "kmod-x-1-1.el9.x86_64", Name: "kmod-x", EVR: "1-1.el9", Arch: "x86_64", Source: "kmod-x-1-1.el9.src.rpm",
		Repo: "extras", URL: "http://mirror/extras", Requires: []Require{{Dep: Dep{Name: "kernel(b_sym)", Op: "=", EVR: "0x00000002"}}, {Dep: Dep{Name: "/bin/sh"}, Outside: true}}}
	cell := Cell{Kmod: m.NEVRA, Kernel: k2.Uname, Missing: []Missing{{Dep: "kernel(b_sym) = 0x00000002", Reason: "crc-mismatch", KernelHas: "0x00000003"}}}
	_, err = s.Record(ctx, &Poll{Time: t0, Snapshots: []Snapshot{{Repo: "baseos", URL: "http://mirror/baseos", Revision: "1", Checksum: "sha256:00"}},
		Kernels: []Kernel{k1, k2}, Kmods: []Kmod{m},
		Cells:  []Cell{{Kmod: m.NEVRA, Kernel: k1.Uname, Installable: true}, cell},
		Events: []Event{{Kind: "kernel-added", Time: t0, JSON: []byte(`{"event":"kernel-added"}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(time.Hour)
	// A poll computed from the state before poll 1 is refused.
	if _, err := s.Record(ctx, &Poll{Time: t1, Kernels: []Kernel{k2}}); !errors.Is(err, ErrConcurrentPoll) {
		t.Errorf("stale poll: %v, want ErrConcurrentPoll", err)
	}
	if last, err := s.LastPoll(ctx); err != nil || last != 1 {
		t.Fatalf("LastPoll = %d, %v", last, err)
	}
	if _, err := s.Record(ctx, &Poll{Base: 1, Time: t1, Kernels: []Kernel{k2}, Gone: []string{k1.Uname}}); err != nil {
		t.Fatal(err)
	}
	ks, err := s.Kernels(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 {
		t.Fatalf("%d kernels, want 2", len(ks))
	}
	for i, want := range []Kernel{k1, k2} {
		got := ks[i]
		if !reflect.DeepEqual(got.Symbols, want.Symbols) || !reflect.DeepEqual(got.Packages, want.Packages) || got.NSymbols != 3 || got.Source != want.Source {
			t.Errorf("kernel %d = %+v, want %+v", i, got, want)
		}
	}
	if ks[0].Present || !ks[1].Present || !ks[0].LastSeen.Equal(t0) || !ks[1].LastSeen.Equal(t1) || !ks[1].FirstSeen.Equal(t0) {
		t.Errorf("presence and times: %+v %+v", ks[0], ks[1])
	}
	syms, err := s.Symbols(ctx, k2.Uname)
	if err != nil || !reflect.DeepEqual(syms, k2.Symbols) {
		t.Errorf("Symbols = %v, %v", syms, err)
	}
	ms, err := s.Kmods(ctx)
	if err != nil || len(ms) != 1 || !reflect.DeepEqual(ms[0].Requires, m.Requires) {
		t.Errorf("Kmods = %+v, %v", ms, err)
	}
	cells, err := s.Cells(ctx)
	if err != nil || len(cells) != 2 || !reflect.DeepEqual(cells[1], cell) || !cells[0].Installable {
		t.Errorf("Cells = %+v, %v", cells, err)
	}
	evs, err := s.Events(ctx, 0)
	if err != nil || len(evs) != 1 || evs[0].Kind != "kernel-added" || evs[0].Poll != 1 {
		t.Errorf("Events = %+v, %v", evs, err)
	}
	snaps, err := s.LastSnapshots(ctx)
	if err != nil || snaps["baseos"].Checksum != "sha256:00" {
		t.Errorf("LastSnapshots = %+v, %v", snaps, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at its path: %v", err)
	}
}

// A failed poll leaves nothing behind: a cell naming an unknown kmod
// violates the schema after the kernel was inserted.
func TestRecordIsAtomic(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "h.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Record(ctx, &Poll{Time: time.Now(), Kernels: []Kernel{sampleKernel("5.14.0-1.el9.x86_64", 1)},
		Cells: []Cell{{Kmod: "kmod-nope-1-1.x86_64", Kernel: "5.14.0-1.el9.x86_64"}}})
	if err == nil {
		t.Fatal("Record accepted a cell of an unknown kmod")
	}
	if ks, err := s.Kernels(ctx, false); err != nil || len(ks) != 0 {
		t.Errorf("after a failed poll: kernels %v, %v; want none", ks, err)
	}
}

func TestSchemaVersionAndLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "h.db")
	s, err := Open(ctx, path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != len(migrations) {
		t.Errorf("user_version = %d, %v; want %d", v, err, len(migrations))
	}
	// Reopening migrates nothing.
	s2, err := Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	// A database from a newer repoclosure is refused, not rewritten.
	newer := filepath.Join(t.TempDir(), "newer.db")
	raw0, err := sql.Open("sqlite", "file:"+newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw0.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	raw0.Close()
	if _, err := Open(ctx, newer, false); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v", err)
	}
	// A writer holding the lock: a second writer gives a clear error once
	// its busy timeout runs out (shortened here).
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(100)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO poll(time) VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	_, err = raw.Exec("INSERT INTO poll(time) VALUES ('y')")
	if err == nil {
		t.Fatal("second writer did not wait for the lock")
	}
	if werr := s.wrap("x", err); !strings.Contains(werr.Error(), "another process kept it locked") {
		t.Errorf("lock error reads %q", werr)
	}
}

// TestOpenRefusesForeignDatabase: the writer's Open refuses another
// program's SQLite database (tables, no schema version) and leaves its file
// as it was, rather than adding the history's tables to it.
func TestOpenRefusesForeignDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	other := filepath.Join(dir, "places.sqlite")
	raw, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("CREATE TABLE bookmark (url TEXT)"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	before := dirState(t, dir)
	if s, err := Open(ctx, other, true); err == nil {
		s.Close()
		t.Fatal("Open of another program's database succeeded")
	} else if !strings.Contains(err.Error(), other) || !strings.Contains(err.Error(), "not a history database") {
		t.Errorf("Open of another program's database: %v; want the file named and \"not a history database\"", err)
	}
	if after := dirState(t, dir); !maps.Equal(before, after) {
		t.Errorf("the folder changed: %v, was %v", after, before)
	}
	// An empty file is a new history.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(ctx, empty, true)
	if err != nil {
		t.Fatalf("Open of an empty file: %v", err)
	}
	s.Close()
}

// dirState is every file of dir with its size and contents' hash, to show a
// reader left a directory as it found it.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%d:%x", len(b), sha256.Sum256(b))
	}
	return out
}

// TestOpenReadOnly: a reader (create false) never creates, migrates or
// writes the file, and refuses what is not a current history database with
// an error naming the file.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "h.db")
	w, err := Open(ctx, good, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Record(ctx, &Poll{Time: time.Now(), Kernels: []Kernel{sampleKernel("5.14.0-1.el9.x86_64", 2)}}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	empty := filepath.Join(dir, "empty.db")
	notDB := filepath.Join(dir, "m.json")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notDB, []byte(`{"kernels": [], "kmods": []}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An older schema: this package's with a migration added after it.
	older := filepath.Join(dir, "older.db")
	migrations = append(migrations, "CREATE TABLE later (x INTEGER)")
	t.Cleanup(func() { migrations = migrations[:len(migrations)-1] })
	before := dirState(t, dir)

	r, err := Open(ctx, good, false)
	if err == nil {
		t.Errorf("Open(%s) of an older schema succeeded", good)
		r.Close()
	} else if !strings.Contains(err.Error(), good) || !strings.Contains(err.Error(), "older") || !strings.Contains(err.Error(), "watch") {
		t.Errorf("older schema: %v; want the file, \"older\" and what migrates it", err)
	}
	migrations = migrations[:len(migrations)-1]
	r, err = Open(ctx, good, false)
	if err != nil {
		t.Fatal(err)
	}
	if ks, err := r.Kernels(ctx, true); err != nil || len(ks) != 1 {
		t.Errorf("Kernels = %d builds, %v; want 1", len(ks), err)
	}
	if _, err := r.Record(ctx, &Poll{Base: 1, Time: time.Now()}); err == nil {
		t.Error("Record through a read-only store succeeded")
	}
	r.Close()

	for _, c := range []struct{ path, want string }{
		{empty, "not a history database"},
		{notDB, "not a history database"},
		{older, "no such file"},
	} {
		r, err := Open(ctx, c.path, false)
		if err == nil {
			r.Close()
			t.Errorf("Open(%s) succeeded", c.path)
			continue
		}
		if !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%s): %v; want the file and %q", c.path, err, c.want)
		}
	}
	// The files are as they were. A reader of a WAL database may leave the
	// WAL index (-shm, and an empty -wal) that SQLite readers need to read
	// consistently while watch writes; nothing else may appear.
	after := dirState(t, dir)
	delete(after, "h.db-shm")
	if after["h.db-wal"] == fmt.Sprintf("0:%x", sha256.Sum256(nil)) {
		delete(after, "h.db-wal")
	}
	if !reflect.DeepEqual(after, before) {
		t.Errorf("readers changed the directory:\nbefore %v\n after %v", before, after)
	}
}
