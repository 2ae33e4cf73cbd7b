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
	"github.com/spf13/cobra"
)

func init() { addCommand(newWatchCmd) }

// watchFlags are the watch command's options.
type watchFlags struct {
	kernelFlags
	interval            time.Duration
	once                bool
	eventsFile, execCmd string
}

// newWatchCmd polls the repositories, records new kernel builds and kmods
// in the history database and prints events as JSON Lines.
func newWatchCmd(code *int) *cobra.Command {
	f := new(watchFlags)
	cmd := &cobra.Command{
		Use:   "watch [options]",
		Short: "Record new kernel builds and kmods in a history database; JSON Lines events",
		Long: `Poll the repositories: when a repomd.xml changed, record the new kernel builds and
kmods in the history database (--db) with the new matrix cells, and print one JSON
object a line per event: kernel-added, kernel-removed, kmod-added, regression (a new
kernel build on which no build of a kmod installs while one installed on the build
before) and fixed (a new kmod build that installs where no older build did).

--once polls once and exits 3 when it emitted a regression, 0 otherwise, 2 on
error; --interval polls until SIGINT/SIGTERM, which let the current poll finish.`,
		Example: `  repoclosure watch --once --repo baseos,kmods
  repoclosure watch --interval 1h --db /var/lib/repoclosure/history.db --events events.jsonl --repo baseos,kmods
  repoclosure watch --once --repo baseos,kmods --exec 'test "$REPOCLOSURE_EVENT" = regression && mail -s regression root'`,
		Args: cobra.NoArgs,
	}
	fs := cmd.Flags()
	f.register(fs, true)
	fs.Lookup("db").Usage = "the history database `FILE` (default $XDG_DATA_HOME/repoclosure/history.db)"
	fs.DurationVar(&f.interval, "interval", 0, "poll every `DURATION` (with ±10% jitter) until SIGINT/SIGTERM")
	fs.BoolVar(&f.once, "once", false, "poll once and exit: 3 if a regression was found, else 0")
	fs.StringVar(&f.eventsFile, "events", "", "append events to `FILE` (default standard output)")
	fs.StringVar(&f.execCmd, "exec", "", "run `CMD` (with sh -c) for each event, the event's JSON on its standard input")
	inGroup(fs, groupOutput, "interval", "once", "events", "exec")
	cmd.RunE = runE(code, func(cmd *cobra.Command, _ []string) (int, error) { return f.run(cmd) })
	return cmd
}

func (f *watchFlags) run(cmd *cobra.Command) (int, error) {
	ctx, stderr := cmd.Context(), cmd.ErrOrStderr()
	if f.once == (f.interval > 0) {
		return exitError, usageError{errors.New("watch: give exactly one of --once and --interval DURATION")}
	}
	if f.db == "" {
		p, err := history.DefaultPath()
		if err != nil {
			return exitError, err
		}
		f.db = p
	}
	// A signal ends the loop, not the poll in progress: polls (and the
	// store they write) ignore the cancellation.
	pollCtx := context.WithoutCancel(ctx)
	st, err := history.Open(pollCtx, f.db, true)
	if err != nil {
		return exitError, err
	}
	defer st.Close()
	out := cmd.OutOrStdout()
	if f.eventsFile != "" {
		ef, err := os.OpenFile(f.eventsFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return exitError, fmt.Errorf("--events: %w", err)
		}
		defer ef.Close()
		out = ef
	}
	w := &watcher{kf: &f.kernelFlags, store: st, out: out, stderr: stderr, exec: f.execCmd}
	regressed := false
polls:
	for {
		n, err := w.poll(pollCtx)
		if err != nil {
			if f.once {
				return exitError, err
			}
			fmt.Fprintf(stderr, "Error: %v\n", err) // the next poll may succeed
		}
		regressed = regressed || n > 0
		if f.once {
			break
		}
		wait := f.interval + time.Duration((rand.Float64()*0.2-0.1)*float64(f.interval))
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
	s, err := w.kf.repo.resolve()
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
	// Only the changed repositories are reloaded, so each must keep all
	// its files: a path kept only because some other repository required
	// it then would be lost to that repository's next version.
	w.kf.repo.allFiles = true
	fresh, err := w.kf.repo.loadInto(ctx, s, w.stderr, toLoad, w.strs)
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
	world := w.kf.world(resolver.NewPool(strs, repos, s.poolOptions(strs, repos)))
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
	fetcher := &repomd.Fetcher{CacheDir: s.cacheDir, CacheOnly: w.kf.repo.cacheOnly}
	defer fetcher.Close()
	changed := len(last) == 0 || len(w.kf.repo.rpms) > 0
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
