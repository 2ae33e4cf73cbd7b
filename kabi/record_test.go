package kabi

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/repoclosure/repoclosure/internal/pooltest"
	"github.com/repoclosure/repoclosure/internal/repogen"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/resolver"
)

// cellTexts renders a matrix as kmod NEVRA -> uname -> missing deps with
// reasons, independent of package ids.
func cellTexts(p *resolver.Pool, m *Matrix) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for mi, id := range m.Kmods {
		row := map[string][]string{}
		for ki, b := range m.Kernels {
			miss := []string{}
			for _, x := range m.Cells[mi][ki].Missing {
				miss = append(miss, fmt.Sprintf("%s %s %s", p.DepString(x.Dep), x.Reason, x.KernelHas))
			}
			row[b.Uname] = miss
		}
		out[p.NEVRA(id)+" "+fmt.Sprint(KernelRequires(p, id))] = row
	}
	return out
}

// TestHistoryMatrixEqualsRepodata: kernel builds and kmods recorded in the
// store and rebuilt into a pool give the matrix (cells, reasons, symbol
// counts, kernel requires) of the repositories they came from.
func TestHistoryMatrixEqualsRepodata(t *testing.T) {
	dir := t.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 3, Kernels: 5, Symbols: 800, Kmods: 14, OtherPkgs: 20, MinorJumpAt: 2})
	if err := s.Write(dir, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	strs, repos := pooltest.Load(t, dir, "kernels", "kmods")
	ctx := context.Background()
	pool := resolver.NewPool(strs, repos, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	kmods := Kmods(pool, builds)
	want := cellTexts(pool, NewMatrix(pool, builds, kmods))

	st, err := history.Open(ctx, filepath.Join(t.TempDir(), "h.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	obs := &Observation{Pool: pool, Kernels: builds, Kmods: kmods}
	res, err := Ingest(ctx, st, obs, resolver.PoolOptions{}, time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := st.Kernels(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := st.Kmods(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hp, hb, hk := FromHistory(ks, ms, resolver.PoolOptions{})
	hm := NewMatrix(hp, hb, hk)
	if got := cellTexts(hp, hm); !reflect.DeepEqual(got, want) {
		t.Errorf("matrix from the history differs from the repositories'\n%v\nwant\n%v", got, want)
	}
	if got, want := CountSymbols(hp, hb), CountSymbols(pool, builds); !reflect.DeepEqual(got, want) {
		t.Errorf("symbol counts from the history %v, want %v", got, want)
	}
	// The stored cells are the same answers.
	cells, err := st.Cells(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != len(builds)*len(kmods) {
		t.Errorf("%d stored cells, want %d", len(cells), len(builds)*len(kmods))
	}
	for _, c := range cells {
		var row map[string][]string
		for k, r := range want {
			if len(k) > len(c.Kmod) && k[:len(c.Kmod)+1] == c.Kmod+" " {
				row = r
			}
		}
		if c.Installable != (len(row[c.Kernel]) == 0) || len(c.Missing) != len(row[c.Kernel]) {
			t.Errorf("stored cell %s on %s: %+v, want %q", c.Kmod, c.Kernel, c, row[c.Kernel])
		}
	}
	if res.Poll != 1 || len(res.Events) == 0 {
		t.Errorf("Ingest = %+v", res)
	}

	// A second poll of the same repositories adds nothing.
	res, err = Ingest(ctx, st, obs, resolver.PoolOptions{}, time.Unix(2e9, 0))
	if err != nil || len(res.Events) != 0 {
		t.Errorf("second Ingest = %+v, %v; want no events", res, err)
	}
}

// TestIngestTwoWatchers: two stores on one file ingest the same observation
// at once. One waits for the other and then finds nothing new: the events
// are those of one poll, not two.
func TestIngestTwoWatchers(t *testing.T) {
	dir := t.TempDir()
	s := repogen.NewSeries(repogen.SeriesConfig{Seed: 4, Kernels: 3, Symbols: 300, Kmods: 6, OtherPkgs: 12})
	if err := s.Write(dir, repogen.Gzip); err != nil {
		t.Fatal(err)
	}
	strs, repos := pooltest.Load(t, dir, "kernels", "kmods")
	ctx := context.Background()
	pool := resolver.NewPool(strs, repos, resolver.PoolOptions{})
	builds := KernelBuilds(pool, nil)
	var kmods []resolver.PkgID
	for i := range pool.Len() {
		if id := resolver.PkgID(i); isKmod(pool, id) {
			kmods = append(kmods, id)
		}
	}
	obs := &Observation{Pool: pool, Kernels: builds, Kmods: kmods}
	path := filepath.Join(t.TempDir(), "h.db")
	results := make(chan *PollResult, 2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			st, err := history.Open(ctx, path, true)
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			res, err := Ingest(ctx, st, obs, resolver.PoolOptions{}, time.Unix(1e9, 0))
			errs <- err
			results <- res
		}()
	}
	events := 0
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		events += len((<-results).Events)
	}
	st, err := history.Open(ctx, path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, err := st.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	added := 0
	for _, e := range stored {
		if e.Kind == EventKernelAdded {
			added++
		}
	}
	if added != len(builds) || events != len(stored) {
		t.Errorf("%d kernel-added events for %d builds; %d events returned, %d stored", added, len(builds), events, len(stored))
	}
}
