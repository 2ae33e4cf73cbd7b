package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"time"

	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// runWatch polls the repositories, records new kernel builds and kmods in
// the history database and prints events as JSON Lines.
func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs, rf, kf := newKernelFlagSet("watch", stderr)
	fs.Lookup("db").Usage = "the history database `FILE` (default $XDG_DATA_HOME/repoclosure/history.db)"
	var interval time.Duration
	var once bool
	var eventsFile, execCmd string
	fs.DurationVar(&interval, "interval", 0, "poll every `DURATION` (with ±10% jitter) until SIGINT/SIGTERM")
	fs.BoolVar(&once, "once", false, "poll once and exit: 3 if a regression was found, else 0")
	fs.StringVar(&eventsFile, "events", "", "append events to `FILE` (default standard output)")
	fs.StringVar(&execCmd, "exec", "", "run `CMD` (with sh -c) for each event, the event's JSON on its standard input")
	if err := fs.Parse(args); err != nil {
		return exitError, usageError{err}
	}
	if once == (interval > 0) {
		return exitError, usageError{errors.New("watch: give exactly one of --once and --interval DURATION")}
	}
	if fs.NArg() > 0 {
		return exitError, usageError{fmt.Errorf("watch takes no arguments, got %q", fs.Args())}
	}
	if kf.db == "" {
		p, err := history.DefaultPath()
		if err != nil {
			return exitError, err
		}
		kf.db = p
	}
	// A signal ends the loop, not the poll in progress: polls (and the
	// store they write) ignore the cancellation.
	pollCtx := context.WithoutCancel(ctx)
	st, err := history.Open(pollCtx, kf.db, true)
	if err != nil {
		return exitError, err
	}
	defer st.Close()
	out := stdout
	if eventsFile != "" {
		f, err := os.OpenFile(eventsFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return exitError, fmt.Errorf("--events: %w", err)
		}
		defer f.Close()
		out = f
	}
	w := &watcher{rf: rf, kf: kf, store: st, out: out, stderr: stderr, exec: execCmd}
	regressed := false
polls:
	for {
		n, err := w.poll(pollCtx)
		if err != nil {
			if once {
				return exitError, err
			}
			fmt.Fprintf(stderr, "Error: %v\n", err) // the next poll may succeed
		}
		regressed = regressed || n > 0
		if once {
			break
		}
		wait := interval + time.Duration((rand.Float64()*0.2-0.1)*float64(interval))
		select {
		case <-ctx.Done():
			break polls
		case <-time.After(wait):
		}
	}
	if regressed {
		return exitRegression, nil
	}
	return exitClosed, nil
}

// watcher is the state of one watch command.
type watcher struct {
	rf     *repoFlags
	kf     *kernelFlags
	store  *history.Store
	out    io.Writer
	stderr io.Writer
	exec   string

	// The repositories parsed by earlier polls, by id, with the checksum of
	// the repomd.xml they were read at, all in strs.
	strs   *repomd.Strings
	loaded map[string]loadedRepo
}

type loadedRepo struct {
	checksum string
	repo     *repomd.Repo
}

// poll runs one poll and returns how many regressions it emitted. When no
// repository's repomd.xml changed since the last poll, nothing is loaded or
// recorded. Otherwise the changed repositories are parsed, and the others
// taken from the previous poll of this process (a new process parses them
// from the metadata cache): a new kmod's other dependencies may come from
// any of them.
func (w *watcher) poll(ctx context.Context) (int, error) {
	s, err := w.rf.resolve()
	if err != nil {
		return 0, err
	}
	snaps, changed, err := w.snapshots(ctx, s)
	if err != nil {
		return 0, err
	}
	if !changed {
		return 0, nil
	}
	// Reloads intern new strings in the same table: start afresh before it
	// could fill up.
	if w.strs == nil || w.strs.Len() > repomd.MaxIDs/2 {
		w.strs, w.loaded = repomd.NewStrings(), map[string]loadedRepo{}
	}
	var toLoad []repomd.Source
	for i, src := range s.sources {
		if l, ok := w.loaded[src.ID]; !ok || snaps[i].Checksum == "" || l.checksum != snaps[i].Checksum {
			toLoad = append(toLoad, src)
		}
	}
	fresh, err := w.rf.loadInto(ctx, s, toLoad, w.strs)
	if err != nil {
		return 0, err
	}
	keep := map[string]loadedRepo{}
	var repos []*repomd.Repo
	for i, src := range s.sources {
		l := w.loaded[src.ID]
		if len(toLoad) > 0 && toLoad[0].ID == src.ID {
			l = loadedRepo{checksum: snaps[i].Checksum, repo: fresh[0]}
			toLoad, fresh = toLoad[1:], fresh[1:]
		}
		keep[src.ID] = l
		repos = append(repos, l.repo)
	}
	repos = append(repos, fresh...) // @commandline
	w.loaded = keep
	strs := w.strs
	world := newRepoWorld(resolver.NewPool(strs, repos, s.poolOptions(strs, repos)), w.kf)
	obs := &kabi.Observation{Pool: world.pool, Kernels: world.kernels, Kmods: world.kmods, Snapshots: snaps}
	res, err := kabi.Ingest(ctx, w.store, obs, resolver.PoolOptions{Arch: s.arch, Rich: s.rich}, time.Now())
	if err != nil {
		return 0, err
	}
	// The poll is committed: events go out after, so a crash can lose the
	// output of a poll (the event table keeps it) but never repeat one.
	for _, e := range res.Events {
		if _, err := fmt.Fprintf(w.out, "%s\n", e.JSON); err != nil {
			return res.Regressions, fmt.Errorf("writing events: %w", err)
		}
		if w.exec != "" {
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", w.exec)
			cmd.Stdin = bytes.NewReader(append(e.JSON, '\n'))
			cmd.Stdout, cmd.Stderr = w.stderr, w.stderr
			cmd.Env = append(os.Environ(), "REPOCLOSURE_EVENT="+e.Kind)
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(w.stderr, "Warning: --exec %q on a %s event: %v\n", w.exec, e.Kind, err)
			}
		}
	}
	return res.Regressions, nil
}

// snapshots revalidates each repository's repomd.xml and reports whether
// any differs from the last poll's. A repository that is a folder of .rpm
// files has no repomd.xml and always counts as changed.
func (w *watcher) snapshots(ctx context.Context, s *setup) ([]history.Snapshot, bool, error) {
	last, err := w.store.LastSnapshots(ctx)
	if err != nil {
		return nil, false, err
	}
	fetcher := &repomd.Fetcher{CacheDir: s.cacheDir, CacheOnly: w.rf.cacheOnly}
	defer fetcher.Close()
	changed := len(last) == 0 || len(w.rf.rpms) > 0
	var out []history.Snapshot
	for _, src := range s.sources {
		sn := history.Snapshot{Repo: src.ID}
		if len(src.BaseURLs) > 0 {
			sn.URL = src.BaseURLs[0]
		}
		mirrors, want, err := fetcher.ResolveMirrors(ctx, src.ID, src.BaseURLs, src.Mirrorlist, src.Metalink)
		if err == nil {
			var body []byte
			if body, sn.URL, err = fetcher.Repomd(ctx, src.ID, mirrors, want); err == nil {
				sum := sha256.Sum256(body)
				sn.Checksum = "sha256:" + hex.EncodeToString(sum[:])
				if md, err := repomd.ParseRepomd(body, sn.URL); err == nil {
					sn.Revision = md.Revision
				}
			}
		}
		if sn.Checksum == "" || last[src.ID].Checksum != sn.Checksum {
			changed = true
		}
		out = append(out, sn)
	}
	if len(out) != len(last) {
		changed = true
	}
	return out, changed, nil
}
