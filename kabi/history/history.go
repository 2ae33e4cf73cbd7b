// Package history is the store of every kernel build, kmod build,
// repository snapshot, matrix cell and event that `repoclosure watch` has
// seen: one SQLite file (pure Go, modernc.org/sqlite), so that reports can
// span builds the mirrors have dropped.
//
// Every poll is written in one transaction: a process killed at any point
// leaves the previous poll's state. The database runs in WAL mode with a
// busy timeout, so a second writer waits for the first and then fails with
// a clear error rather than corrupting anything.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dep is one dependency as rpm prints it: name, comparison and version.
type Dep struct {
	Name string `json:"name"`
	Op   string `json:"op,omitempty"`  // "", "=", "<", "<=", ">", ">=", "<>"
	EVR  string `json:"evr,omitempty"` // "[E:]V[-R]"
	Pre  bool   `json:"pre,omitempty"` // Requires(pre) and friends
}

// Package is one binary package of a kernel build with its provides other
// than the kernel(SYM) = CRC symbol table, which the build keeps.
type Package struct {
	Name     string `json:"name"`
	EVR      string `json:"evr"`
	Arch     string `json:"arch"`
	Provides []Dep  `json:"provides,omitempty"`
}

// Symbol is one kernel(Name) = 0xCRC provide.
type Symbol struct {
	Name string // SYM of kernel(SYM)
	CRC  uint32
}

// Kernel is one kernel build: the packages built from one kernel source
// RPM for one arch.
type Kernel struct {
	Uname     string // "4.18.0-348.el8.x86_64"; unique in the store
	EVR       string
	Arch      string
	Source    string // "kernel-4.18.0-348.el8.src.rpm"
	Repo      string // the repository it was first seen in
	URL       string // that repository's mirror
	Packages  []Package
	Symbols   []Symbol // each name once; read back in symbol id order; nil when loaded without symbols
	NSymbols  int      // len(Symbols), also when they were not loaded
	FirstSeen time.Time
	LastSeen  time.Time
	Present   bool // on some mirror at the last poll
}

// Require is a kmod's dependency. Outside marks a dependency that packages
// other than kernel builds met when the kmod was recorded: it is met on
// every kernel, and the history need not keep those packages.
type Require struct {
	Dep
	Outside bool `json:"outside,omitempty"`
}

// Kmod is one kernel module package build.
type Kmod struct {
	NEVRA     string // unique in the store
	Name      string
	EVR       string
	Arch      string
	Source    string // its source RPM
	Repo      string
	URL       string
	Requires  []Require
	Provides  []Dep // what other kmods may need (ksym(SYM) = CRC)
	FirstSeen time.Time
	LastSeen  time.Time
	Present   bool
}

// Snapshot is one repository's metadata as a poll saw it.
type Snapshot struct {
	Repo     string
	URL      string // the mirror that served repomd.xml
	Revision string // repomd.xml's <revision>
	Checksum string // "sha256:HEX" of repomd.xml
	Time     time.Time
}

// Missing is one unmet dependency of a cell, as the matrix reports it.
type Missing struct {
	Dep       string `json:"dep"`
	Reason    string `json:"reason"`
	KernelHas string `json:"kernel_has,omitempty"`
}

// Cell is a kmod build on a kernel build.
type Cell struct {
	Kmod        string // NEVRA
	Kernel      string // uname
	Installable bool
	Missing     []Missing
}

// Event is one line of `watch` output: its JSON object holds "event" and
// "time" and the fields of its kind.
type Event struct {
	Poll int64 // the poll that emitted it
	Kind string
	Time time.Time
	JSON []byte
}

// Poll is everything one poll writes. Kernels and Kmods are the builds the
// poll saw (new ones are inserted, known ones get LastSeen and Present); the
// builds not in Gone keep their Present flag.
type Poll struct {
	// Base is the last poll id the caller read the store at (LastPoll);
	// Record fails with ErrConcurrentPoll when another poll came since.
	Base      int64
	Time      time.Time
	Snapshots []Snapshot
	Kernels   []Kernel
	Kmods     []Kmod
	Gone      []string // unames no longer on any mirror
	GoneKmods []string // NEVRAs no longer on any mirror
	Cells     []Cell   // new or changed cells only
	Events    []Event
}

// Store is an open history database.
type Store struct {
	db   *sql.DB
	path string
}

// DefaultPath is $XDG_DATA_HOME/repoclosure/history.db (~/.local/share when
// XDG_DATA_HOME is unset).
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("history database: no XDG_DATA_HOME and no home directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "repoclosure", "history.db"), nil
}

// busyTimeout is how long a writer waits for another one before failing.
const busyTimeout = 30 * time.Second

// Open opens the database at path. With create set it is the writer's open
// (watch): the file and its directory are created if needed and the schema
// is brought up to date. With create false it is a reader's: the file is
// opened read-only and never created, migrated or otherwise written, and a
// missing file, a file that is not a history database, or one whose schema
// is older than this package's is an error.
func Open(ctx context.Context, path string, create bool) (*Store, error) {
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("history database %s: %w", path, err)
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	// The path is a URI's: escape what would end or encode it.
	uriPath := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if create {
		if err := refuseForeign(ctx, path, uriPath); err != nil {
			return nil, err
		}
	}
	dsn := "file:" + uriPath + fmt.Sprintf("?_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	if create {
		dsn += "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
	} else {
		dsn += "&mode=ro&_pragma=query_only(1)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("history database %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	check := s.migrate
	if !create {
		check = s.checkSchema
	}
	if err := check(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// refuseForeign fails when path is another program's SQLite database (no
// schema version, and tables), which the writer would otherwise take for
// an empty history and add its tables to, in WAL mode. It only reads; a
// file it cannot read as a database is left to Open's own error.
func refuseForeign(ctx context.Context, path, uriPath string) error {
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+uriPath+"?mode=ro")
	if err != nil {
		return nil
	}
	defer db.Close()
	var v, tables int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != 0 {
		return nil
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil || tables == 0 {
		return nil
	}
	return fmt.Errorf("history database %s: not a history database (another program's SQLite database: tables, but no history schema version); give --db a new file", path)
}

// checkSchema is a reader's migrate: it fails unless the schema is this
// package's, since only watch may write the database.
func (s *Store) checkSchema(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return s.wrap("not a history database (the SQLite file watch writes)", err)
	}
	switch {
	case v > len(migrations):
		return fmt.Errorf("history database %s: schema version %d is newer than this repoclosure knows (%d)", s.path, v, len(migrations))
	case v == 0:
		return fmt.Errorf("history database %s: not a history database (empty, or no schema): `repoclosure watch --db %s` creates one", s.path, s.path)
	case v < len(migrations):
		return fmt.Errorf("history database %s: schema version %d is older than this repoclosure's (%d): run `repoclosure watch --once --db %s` once to migrate it", s.path, v, len(migrations), s.path)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// wrap names the database in an error, and says plainly when another
// process holds the write lock past the busy timeout.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if isBusy(err) {
		return fmt.Errorf("history database %s: %s: another process kept it locked for %v (is a second watch running?): %w", s.path, what, busyTimeout, err)
	}
	return fmt.Errorf("history database %s: %s: %w", s.path, what, err)
}

// migrations[i] brings the schema from user_version i to i+1.
var migrations = []string{
	`CREATE TABLE poll (
		id   INTEGER PRIMARY KEY,
		time TEXT NOT NULL
	);
	CREATE TABLE snapshot (
		id       INTEGER PRIMARY KEY,
		poll     INTEGER NOT NULL REFERENCES poll(id),
		repo     TEXT NOT NULL,
		url      TEXT NOT NULL,
		revision TEXT NOT NULL,
		checksum TEXT NOT NULL,
		time     TEXT NOT NULL
	);
	CREATE INDEX snapshot_repo ON snapshot(repo, id);
	CREATE TABLE symbol (
		id   INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE
	);
	CREATE TABLE kernel (
		id         INTEGER PRIMARY KEY,
		uname      TEXT NOT NULL UNIQUE,
		evr        TEXT NOT NULL,
		arch       TEXT NOT NULL,
		source     TEXT NOT NULL,
		repo       TEXT NOT NULL,
		url        TEXT NOT NULL,
		packages   TEXT NOT NULL,
		nsymbols   INTEGER NOT NULL,
		symbols    BLOB NOT NULL,
		first_seen TEXT NOT NULL,
		last_seen  TEXT NOT NULL,
		present    INTEGER NOT NULL
	);
	CREATE TABLE kmod (
		id         INTEGER PRIMARY KEY,
		nevra      TEXT NOT NULL UNIQUE,
		name       TEXT NOT NULL,
		evr        TEXT NOT NULL,
		arch       TEXT NOT NULL,
		source     TEXT NOT NULL,
		repo       TEXT NOT NULL,
		url        TEXT NOT NULL,
		requires   TEXT NOT NULL,
		provides   TEXT NOT NULL,
		first_seen TEXT NOT NULL,
		last_seen  TEXT NOT NULL,
		present    INTEGER NOT NULL
	);
	CREATE INDEX kmod_name ON kmod(name);
	CREATE TABLE cell (
		kmod        INTEGER NOT NULL REFERENCES kmod(id),
		kernel      INTEGER NOT NULL REFERENCES kernel(id),
		installable INTEGER NOT NULL,
		missing     TEXT NOT NULL,
		PRIMARY KEY (kmod, kernel)
	) WITHOUT ROWID;
	CREATE TABLE event (
		id   INTEGER PRIMARY KEY,
		poll INTEGER NOT NULL REFERENCES poll(id),
		kind TEXT NOT NULL,
		time TEXT NOT NULL,
		json TEXT NOT NULL
	);`,
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.beginFirst(ctx)
	if err != nil {
		return s.wrap("begin migration", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return s.wrap("read schema version", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("history database %s: schema version %d is newer than this repoclosure knows (%d)", s.path, v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	for ; v < len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return s.wrap(fmt.Sprintf("migrate schema to version %d", v+1), err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v)); err != nil {
		return s.wrap("set schema version", err)
	}
	return s.wrap("commit migration", tx.Commit())
}

// beginFirst begins the first transaction of a new connection. Two
// processes opening a new database at once can meet SQLite's BUSY before
// the busy timeout applies (the switch to WAL, the first -shm): that one is
// retried, a few milliseconds apart, for as long as the timeout.
func (s *Store) beginFirst(ctx context.Context) (*sql.Tx, error) {
	deadline := time.Now().Add(busyTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		tx, err := s.db.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	return strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked")
}

// timeText is the stored form of times: RFC 3339 in UTC, sortable as text.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Record writes one poll in a single transaction and returns its id.
func (s *Store) Record(ctx context.Context, p *Poll) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap("begin poll", err)
	}
	defer tx.Rollback()
	id, err := s.record(ctx, tx, p)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap("commit poll", err)
	}
	return id, nil
}

// ErrConcurrentPoll is Record's error when another process recorded a poll
// after the caller read the store: its poll was computed from stale state.
var ErrConcurrentPoll = errors.New("another watch recorded a poll meanwhile")

// LastPoll returns the id of the last poll recorded, 0 for none.
func (s *Store) LastPoll(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM poll").Scan(&id)
	return id, s.wrap("read last poll", err)
}

func (s *Store) record(ctx context.Context, tx *sql.Tx, p *Poll) (int64, error) {
	var last int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM poll").Scan(&last); err != nil {
		return 0, s.wrap("read last poll", err)
	}
	if last != p.Base {
		return 0, fmt.Errorf("history database %s: %w (poll %d, read at %d)", s.path, ErrConcurrentPoll, last, p.Base)
	}
	now := timeText(p.Time)
	res, err := tx.ExecContext(ctx, "INSERT INTO poll(time) VALUES (?)", now)
	if err != nil {
		return 0, s.wrap("insert poll", err)
	}
	poll, err := res.LastInsertId()
	if err != nil {
		return 0, s.wrap("insert poll", err)
	}
	for _, sn := range p.Snapshots {
		if _, err := tx.ExecContext(ctx, "INSERT INTO snapshot(poll, repo, url, revision, checksum, time) VALUES (?,?,?,?,?,?)",
			poll, sn.Repo, sn.URL, sn.Revision, sn.Checksum, now); err != nil {
			return 0, s.wrap("insert snapshot of "+sn.Repo, err)
		}
	}
	syms := symbolIDs{tx: tx, ids: map[string]int64{}}
	for _, k := range p.Kernels {
		res, err := tx.ExecContext(ctx, "UPDATE kernel SET last_seen = ?, present = 1 WHERE uname = ?", now, k.Uname)
		if err != nil {
			return 0, s.wrap("update kernel "+k.Uname, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		blob, err := syms.encode(ctx, k.Symbols)
		if err != nil {
			return 0, s.wrap("store symbols of "+k.Uname, err)
		}
		pkgs, err := json.Marshal(k.Packages)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kernel(uname, evr, arch, source, repo, url, packages, nsymbols, symbols, first_seen, last_seen, present)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,1)`, k.Uname, k.EVR, k.Arch, k.Source, k.Repo, k.URL, string(pkgs), len(k.Symbols), blob, now, now); err != nil {
			return 0, s.wrap("insert kernel "+k.Uname, err)
		}
	}
	for _, m := range p.Kmods {
		res, err := tx.ExecContext(ctx, "UPDATE kmod SET last_seen = ?, present = 1 WHERE nevra = ?", now, m.NEVRA)
		if err != nil {
			return 0, s.wrap("update kmod "+m.NEVRA, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			continue
		}
		reqs, err := json.Marshal(m.Requires)
		if err != nil {
			return 0, err
		}
		provs, err := json.Marshal(m.Provides)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO kmod(nevra, name, evr, arch, source, repo, url, requires, provides, first_seen, last_seen, present)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,1)`, m.NEVRA, m.Name, m.EVR, m.Arch, m.Source, m.Repo, m.URL, string(reqs), string(provs), now, now); err != nil {
			return 0, s.wrap("insert kmod "+m.NEVRA, err)
		}
	}
	for _, u := range p.Gone {
		if _, err := tx.ExecContext(ctx, "UPDATE kernel SET present = 0 WHERE uname = ?", u); err != nil {
			return 0, s.wrap("mark kernel "+u+" gone", err)
		}
	}
	for _, n := range p.GoneKmods {
		if _, err := tx.ExecContext(ctx, "UPDATE kmod SET present = 0 WHERE nevra = ?", n); err != nil {
			return 0, s.wrap("mark kmod "+n+" gone", err)
		}
	}
	for _, c := range p.Cells {
		missing, err := json.Marshal(nonNil(c.Missing))
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO cell(kmod, kernel, installable, missing)
			VALUES ((SELECT id FROM kmod WHERE nevra = ?), (SELECT id FROM kernel WHERE uname = ?), ?, ?)
			ON CONFLICT(kmod, kernel) DO UPDATE SET installable = excluded.installable, missing = excluded.missing`,
			c.Kmod, c.Kernel, c.Installable, string(missing)); err != nil {
			return 0, s.wrap(fmt.Sprintf("insert cell %s on %s", c.Kmod, c.Kernel), err)
		}
	}
	for _, e := range p.Events {
		if _, err := tx.ExecContext(ctx, "INSERT INTO event(poll, kind, time, json) VALUES (?,?,?,?)", poll, e.Kind, timeText(e.Time), string(e.JSON)); err != nil {
			return 0, s.wrap("insert event", err)
		}
	}
	return poll, nil
}

func nonNil(m []Missing) []Missing {
	if m == nil {
		return []Missing{}
	}
	return m
}

// LastSnapshots returns the newest snapshot of each repository, by repo id.
func (s *Store) LastSnapshots(ctx context.Context) (map[string]Snapshot, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT repo, url, revision, checksum, time FROM snapshot
		WHERE id IN (SELECT max(id) FROM snapshot GROUP BY repo)`)
	if err != nil {
		return nil, s.wrap("read snapshots", err)
	}
	defer rows.Close()
	out := map[string]Snapshot{}
	for rows.Next() {
		var sn Snapshot
		var t string
		if err := rows.Scan(&sn.Repo, &sn.URL, &sn.Revision, &sn.Checksum, &t); err != nil {
			return nil, s.wrap("read snapshots", err)
		}
		sn.Time = parseTime(t)
		out[sn.Repo] = sn
	}
	return out, s.wrap("read snapshots", rows.Err())
}

// Kernels returns every kernel build stored, in insertion order; their
// symbol tables only when withSymbols is set.
func (s *Store) Kernels(ctx context.Context, withSymbols bool) ([]Kernel, error) {
	cols := "uname, evr, arch, source, repo, url, packages, nsymbols, first_seen, last_seen, present"
	if withSymbols {
		cols += ", symbols"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+cols+" FROM kernel ORDER BY id")
	if err != nil {
		return nil, s.wrap("read kernels", err)
	}
	defer rows.Close()
	var out []Kernel
	var blobs [][]byte
	for rows.Next() {
		var k Kernel
		var pkgs, first, last string
		var blob []byte
		dst := []any{&k.Uname, &k.EVR, &k.Arch, &k.Source, &k.Repo, &k.URL, &pkgs, &k.NSymbols, &first, &last, &k.Present}
		if withSymbols {
			dst = append(dst, &blob)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, s.wrap("read kernels", err)
		}
		if err := json.Unmarshal([]byte(pkgs), &k.Packages); err != nil {
			return nil, fmt.Errorf("history database %s: kernel %s: packages: %w", s.path, k.Uname, err)
		}
		k.FirstSeen, k.LastSeen = parseTime(first), parseTime(last)
		out = append(out, k)
		blobs = append(blobs, blob)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("read kernels", err)
	}
	if !withSymbols {
		return out, nil
	}
	names, err := s.symbolNames(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Symbols, err = decodeSymbols(blobs[i], names); err != nil {
			return nil, fmt.Errorf("history database %s: kernel %s: %w", s.path, out[i].Uname, err)
		}
	}
	return out, nil
}

// Symbols returns one kernel build's symbol table.
func (s *Store) Symbols(ctx context.Context, uname string) ([]Symbol, error) {
	var blob []byte
	err := s.db.QueryRowContext(ctx, "SELECT symbols FROM kernel WHERE uname = ?", uname).Scan(&blob)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("history database %s: no kernel build %s", s.path, uname)
	}
	if err != nil {
		return nil, s.wrap("read symbols of "+uname, err)
	}
	names, err := s.symbolNames(ctx)
	if err != nil {
		return nil, err
	}
	return decodeSymbols(blob, names)
}

func (s *Store) symbolNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name FROM symbol")
	if err != nil {
		return nil, s.wrap("read symbol names", err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, s.wrap("read symbol names", err)
		}
		names[id] = name
	}
	return names, s.wrap("read symbol names", rows.Err())
}

// Kmods returns every kmod build stored, in insertion order.
func (s *Store) Kmods(ctx context.Context) ([]Kmod, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT nevra, name, evr, arch, source, repo, url, requires, provides, first_seen, last_seen, present FROM kmod ORDER BY id")
	if err != nil {
		return nil, s.wrap("read kmods", err)
	}
	defer rows.Close()
	var out []Kmod
	for rows.Next() {
		var m Kmod
		var reqs, provs, first, last string
		if err := rows.Scan(&m.NEVRA, &m.Name, &m.EVR, &m.Arch, &m.Source, &m.Repo, &m.URL, &reqs, &provs, &first, &last, &m.Present); err != nil {
			return nil, s.wrap("read kmods", err)
		}
		if err := json.Unmarshal([]byte(reqs), &m.Requires); err != nil {
			return nil, fmt.Errorf("history database %s: kmod %s: requires: %w", s.path, m.NEVRA, err)
		}
		if err := json.Unmarshal([]byte(provs), &m.Provides); err != nil {
			return nil, fmt.Errorf("history database %s: kmod %s: provides: %w", s.path, m.NEVRA, err)
		}
		m.FirstSeen, m.LastSeen = parseTime(first), parseTime(last)
		out = append(out, m)
	}
	return out, s.wrap("read kmods", rows.Err())
}

// Cells returns every stored cell, ordered by kmod and kernel insertion.
func (s *Store) Cells(ctx context.Context) ([]Cell, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.nevra, k.uname, c.installable, c.missing
		FROM cell c JOIN kmod m ON m.id = c.kmod JOIN kernel k ON k.id = c.kernel ORDER BY c.kmod, c.kernel`)
	if err != nil {
		return nil, s.wrap("read cells", err)
	}
	defer rows.Close()
	var out []Cell
	for rows.Next() {
		var c Cell
		var missing string
		if err := rows.Scan(&c.Kmod, &c.Kernel, &c.Installable, &missing); err != nil {
			return nil, s.wrap("read cells", err)
		}
		if err := json.Unmarshal([]byte(missing), &c.Missing); err != nil {
			return nil, fmt.Errorf("history database %s: cell %s on %s: %w", s.path, c.Kmod, c.Kernel, err)
		}
		out = append(out, c)
	}
	return out, s.wrap("read cells", rows.Err())
}

// Events returns the events of polls after afterPoll, in order.
func (s *Store) Events(ctx context.Context, afterPoll int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT poll, kind, time, json FROM event WHERE poll > ? ORDER BY id", afterPoll)
	if err != nil {
		return nil, s.wrap("read events", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var t, js string
		if err := rows.Scan(&e.Poll, &e.Kind, &t, &js); err != nil {
			return nil, s.wrap("read events", err)
		}
		e.Time, e.JSON = parseTime(t), []byte(js)
		out = append(out, e)
	}
	return out, s.wrap("read events", rows.Err())
}
