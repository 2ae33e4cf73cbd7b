package main

import (
	"bytes"
	"context"
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
	// The events file first: one that cannot be written stops the watch
	// before it creates a database.
	out := cmd.OutOrStdout()
	if f.eventsFile != "" {
		ef, err := os.OpenFile(f.eventsFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return exitError, fmt.Errorf("--events: %w", err)
		}
		defer ef.Close()
		out = ef
	}
	// A signal ends the loop, not the poll in progress: polls (and the
	// store they write) ignore the cancellation.
	pollCtx := context.WithoutCancel(ctx)
	st, err := history.Open(pollCtx, f.db, true)
	if err != nil {
		return exitError, err
	}
	defer st.Close()
	w := &watcher{kf: &f.kernelFlags, store: st, out: out, stderr: stderr, exec: f.execCmd}
	if f.once {
		n, err := w.poll(pollCtx)
		switch {
		case err != nil:
			return exitError, err
		case n > 0:
			return exitRegression, nil
		}
		return exitClosed, nil
	}
	// --interval ends only by a signal, which main reports as exit 130:
	// the regressions went out as events.
	for {
		if _, err := w.poll(pollCtx); err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err) // the next poll may succeed
		}
		wait := f.interval + time.Duration((rand.Float64()*0.2-0.1)*float64(f.interval))
		select {
		case <-ctx.Done():
			return exitClosed, nil
		case <-time.After(wait):
		}
	}
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
	s, err := w.kf.repo.resolve(w.stderr)
	if err != nil {
		return 0, err
	}
	snaps, repos, changed, err := w.load(ctx, s)
	if err != nil || !changed {
		return 0, err
	}
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

// load fetches each repository's repomd.xml once and, when any differs
// from the last poll's, loads the repositories whose repomd.xml changed,
// from exactly the one fetched: the snapshots it returns are what was
// loaded, even when a mirror publishes meanwhile. changed is false, and
// nothing loaded, when none changed. A repository that is a folder of .rpm
// files has no repomd.xml and always counts as changed.
func (w *watcher) load(ctx context.Context, s *setup) (snaps []history.Snapshot, repos []*repomd.Repo, changed bool, err error) {
	last, err := w.store.LastSnapshots(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	loader, done := w.kf.repo.newLoader(s, w.stderr)
	defer done()
	fetched, err := loader.Revalidate(ctx, s.sources)
	if err != nil {
		return nil, nil, false, err
	}
	changed = len(last) == 0 || len(w.kf.repo.rpms) > 0 || len(fetched) != len(last)
	for _, f := range fetched {
		snaps = append(snaps, history.Snapshot{Repo: f.Source.ID, URL: f.Mirror, Revision: f.Revision, Checksum: f.Checksum})
		if f.Checksum == "" || last[f.Source.ID].Checksum != f.Checksum {
			changed = true
		}
	}
	if !changed {
		return snaps, nil, false, nil
	}
	// Reloads intern new strings in the same table: start afresh before it
	// could fill up.
	if w.strs == nil || w.strs.Len() > repomd.MaxIDs/2 {
		w.strs, w.loaded = repomd.NewStrings(), map[string]loadedRepo{}
	}
	var toLoad []*repomd.Fetched
	for _, f := range fetched {
		if l, ok := w.loaded[f.Source.ID]; !ok || f.Checksum == "" || l.checksum != f.Checksum {
			toLoad = append(toLoad, f)
		}
	}
	// Only the changed repositories are reloaded, so each must keep all
	// its files: a path kept only because some other repository required
	// it then would be lost to that repository's next version.
	w.kf.repo.allFiles = true
	fresh, err := w.kf.repo.loadFetched(ctx, s, loader, toLoad, w.strs)
	if err != nil {
		return nil, nil, false, err
	}
	keep := map[string]loadedRepo{}
	for _, f := range fetched {
		l := w.loaded[f.Source.ID]
		if len(toLoad) > 0 && toLoad[0] == f {
			l = loadedRepo{checksum: f.Checksum, repo: fresh[0]}
			toLoad, fresh = toLoad[1:], fresh[1:]
		}
		keep[f.Source.ID] = l
		repos = append(repos, l.repo)
	}
	repos = append(repos, fresh...) // @commandline
	w.loaded = keep
	return snaps, repos, true, nil
}
