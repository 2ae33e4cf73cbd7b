package kabi

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/resolver"
)

// Observation is what one poll saw on the mirrors: the loaded pool, its
// kernel builds and kmods, and each repository's snapshot.
type Observation struct {
	Pool      *resolver.Pool
	Kernels   []KernelBuild
	Kmods     []resolver.PkgID
	Snapshots []history.Snapshot // one per repository; URL is its mirror
}

// The events `watch` emits, one JSON object a line. Field names are a
// contract.
type (
	eventHead struct {
		Event string `json:"event"`
		Time  string `json:"time"`
	}
	// KernelAddedEvent: a kernel build seen for the first time.
	KernelAddedEvent struct {
		eventHead
		Uname   string `json:"uname"`
		EVR     string `json:"evr"`
		Arch    string `json:"arch"`
		Source  string `json:"source"`
		Symbols int    `json:"symbols"`
	}
	// KernelRemovedEvent: a kernel build gone from every mirror (the
	// history keeps it).
	KernelRemovedEvent struct {
		eventHead
		Uname string `json:"uname"`
	}
	// KmodAddedEvent: a kmod build seen for the first time.
	KmodAddedEvent struct {
		eventHead
		NEVRA string `json:"nevra"`
		Name  string `json:"name"`
	}
	// RegressionEvent: no build of Kmod installs on the new Kernel, and
	// the WorksOnPrevious builds install on Previous. Missing has what each
	// build of the name lacks on Kernel.
	RegressionEvent struct {
		eventHead
		Kmod            string                       `json:"kmod"`
		Kernel          string                       `json:"kernel"`
		Previous        string                       `json:"previous"`
		WorksOnPrevious []string                     `json:"works_on_previous"`
		Missing         map[string][]history.Missing `json:"missing"`
	}
	// FixedEvent: the new kmod build NEVRA installs on Kernel, where no
	// older build of Kmod did.
	FixedEvent struct {
		eventHead
		Kmod   string `json:"kmod"`
		Kernel string `json:"kernel"`
		NEVRA  string `json:"nevra"`
	}
)

// Event kinds, as the "event" field and the store's event.kind name them.
const (
	EventKernelAdded   = "kernel-added"
	EventKernelRemoved = "kernel-removed"
	EventKmodAdded     = "kmod-added"
	EventRegression    = "regression"
	EventFixed         = "fixed"
)

// PollResult is what Ingest wrote.
type PollResult struct {
	Poll        int64
	Events      []history.Event
	Regressions int
}

// Ingest records an observation in the store as one poll: new kernel
// builds and kmods, the builds that left every mirror, the new matrix cells
// (new kernels × every kmod known, new kmods × every kernel known, computed
// over the history so that builds gone from the mirrors count; and the cells
// of known kmods a new kmod's provides may change), and the events. opts configures the pool rebuilt from the history (arch, rich).
//
// When another process records a poll meanwhile, the poll is computed again
// from the new state, once; a second conflict is an error.
func Ingest(ctx context.Context, st *history.Store, obs *Observation, opts resolver.PoolOptions, now time.Time) (*PollResult, error) {
	res, err := ingest(ctx, st, obs, opts, now)
	if errors.Is(err, history.ErrConcurrentPoll) {
		res, err = ingest(ctx, st, obs, opts, now)
	}
	return res, err
}

// ingestion is one poll being computed: the stored history, then what the
// poll adds to it.
type ingestion struct {
	poll       *history.Poll
	kernels    []history.Kernel // every kernel build known after the poll: stored, then new
	kmods      []history.Kmod
	newKernels []int // indexes into kernels
	newKmods   []int
	oldKmods   map[string]*history.Kmod // by NEVRA
	cells      map[cellKey]history.Cell // stored, then computed
}

type cellKey struct{ kmod, kernel string }

func ingest(ctx context.Context, st *history.Store, obs *Observation, opts resolver.PoolOptions, now time.Time) (*PollResult, error) {
	base, err := st.LastPoll(ctx)
	if err != nil {
		return nil, err
	}
	in := &ingestion{poll: &history.Poll{Base: base, Time: now, Snapshots: obs.Snapshots}, oldKmods: map[string]*history.Kmod{}, cells: map[cellKey]history.Cell{}}
	if in.kernels, err = st.Kernels(ctx, true); err != nil {
		return nil, err
	}
	if in.kmods, err = st.Kmods(ctx); err != nil {
		return nil, err
	}
	cells, err := st.Cells(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cells {
		in.cells[cellKey{c.Kmod, c.Kernel}] = c
	}
	in.observe(obs)
	in.computeCells(opts)
	res, err := in.events(now)
	if err != nil {
		return nil, err
	}
	if res.Poll, err = st.Record(ctx, in.poll); err != nil {
		return nil, err
	}
	return res, nil
}

// observe converts what the poll saw and sorts it into new builds, builds
// seen again and builds gone from every mirror.
func (in *ingestion) observe(obs *Observation) {
	mirrors := map[string]string{}
	for _, s := range obs.Snapshots {
		mirrors[s.Repo] = s.URL
	}
	for _, b := range obs.Kernels {
		in.poll.Kernels = append(in.poll.Kernels, HistoryKernel(obs.Pool, b, mirrors))
	}
	in.poll.Kmods = HistoryKmods(obs.Pool, obs.Kernels, obs.Kmods, mirrors)

	present := map[string]bool{}
	known := map[string]bool{}
	for _, k := range in.kernels {
		known[k.Uname] = true
	}
	for i := range in.kmods {
		known[in.kmods[i].NEVRA] = true
		in.oldKmods[in.kmods[i].NEVRA] = &in.kmods[i]
	}
	oldKernels, oldKmods := len(in.kernels), len(in.kmods)
	for _, k := range in.poll.Kernels {
		present[k.Uname] = true
		if !known[k.Uname] {
			known[k.Uname] = true
			in.newKernels = append(in.newKernels, len(in.kernels))
			in.kernels = append(in.kernels, k)
		}
	}
	for _, m := range in.poll.Kmods {
		present[m.NEVRA] = true
		if !known[m.NEVRA] {
			known[m.NEVRA] = true
			in.newKmods = append(in.newKmods, len(in.kmods))
			in.kmods = append(in.kmods, m)
		}
	}
	for _, k := range in.kernels[:oldKernels] {
		if k.Present && !present[k.Uname] {
			in.poll.Gone = append(in.poll.Gone, k.Uname)
		}
	}
	for _, m := range in.kmods[:oldKmods] {
		if m.Present && !present[m.NEVRA] {
			in.poll.GoneKmods = append(in.poll.GoneKmods, m.NEVRA)
		}
	}
}

// computeCells computes, over the whole history, the rows the poll can
// change: every kmod when there are new kernels; else the new kmods and the
// known kmods whose requires a new kmod may now meet (a ksym provider
// arriving after its users). Cells that are new or differ go to the poll.
func (in *ingestion) computeCells(opts resolver.PoolOptions) {
	if len(in.newKernels)+len(in.newKmods) == 0 {
		return
	}
	hp, builds, kmodIDs := FromHistory(in.kernels, in.kmods, opts)
	rows := kmodIDs
	if len(in.newKernels) == 0 {
		provided := map[string]bool{}
		for _, m := range in.newKmods {
			for _, d := range in.kmods[m].Provides {
				provided[d.Name] = true
			}
		}
		rows = slices.DeleteFunc(slices.Clone(kmodIDs), func(id resolver.PkgID) bool {
			old := in.oldKmods[hp.NEVRA(id)]
			return old != nil && !slices.ContainsFunc(old.Requires, func(r history.Require) bool { return !r.Outside && provided[r.Name] })
		})
	}
	m := NewMatrix(hp, builds, rows)
	for mi, id := range rows {
		nevra := hp.NEVRA(id)
		for ki, b := range builds {
			c := history.Cell{Kmod: nevra, Kernel: b.Uname, Installable: m.Cells[mi][ki].Installable(), Missing: []history.Missing{}}
			for _, miss := range m.Cells[mi][ki].Missing {
				c.Missing = append(c.Missing, history.Missing{Dep: hp.DepString(miss.Dep), Reason: string(miss.Reason), KernelHas: miss.KernelHas})
			}
			key := cellKey{nevra, b.Uname}
			if old, ok := in.cells[key]; ok && reflect.DeepEqual(old, c) {
				continue
			}
			in.cells[key] = c
			in.poll.Cells = append(in.poll.Cells, c)
		}
	}
}

// events derives the poll's events, in a fixed order: kernels added (EVR
// order), kernels removed, kmods added, regressions, fixes.
func (in *ingestion) events(now time.Time) (*PollResult, error) {
	res := &PollResult{}
	stamp := now.UTC().Format(time.RFC3339)
	head := func(kind string) eventHead { return eventHead{Event: kind, Time: stamp} }
	var err error
	emit := func(kind string, v any) {
		js, jerr := json.Marshal(v)
		if jerr != nil {
			err = errors.Join(err, jerr)
			return
		}
		in.poll.Events = append(in.poll.Events, history.Event{Kind: kind, Time: now, JSON: js})
		res.Events = in.poll.Events
	}
	refs := make([]BuildRef, len(in.kernels))
	for i, k := range in.kernels {
		refs[i] = BuildRef{Uname: k.Uname, EVR: k.EVR, Source: k.Source, Arch: k.Arch}
	}
	added := slices.Clone(in.newKernels)
	slices.SortStableFunc(added, func(a, b int) int { return resolver.CompareEVR(refs[a].EVR, refs[b].EVR) })
	for _, i := range added {
		k := in.kernels[i]
		emit(EventKernelAdded, KernelAddedEvent{head(EventKernelAdded), k.Uname, k.EVR, k.Arch, k.Source, k.NSymbols})
	}
	for _, u := range in.poll.Gone {
		emit(EventKernelRemoved, KernelRemovedEvent{head(EventKernelRemoved), u})
	}
	kmodRefs := make([]KmodRef, len(in.kmods))
	for i, m := range in.kmods {
		kmodRefs[i] = KmodRef{NEVRA: m.NEVRA, Name: m.Name}
	}
	for _, i := range in.newKmods {
		emit(EventKmodAdded, KmodAddedEvent{head(EventKmodAdded), in.kmods[i].NEVRA, in.kmods[i].Name})
	}
	installs := func(m, k int) (bool, bool) {
		c, ok := in.cells[cellKey{in.kmods[m].NEVRA, in.kernels[k].Uname}]
		return ok && c.Installable, ok
	}
	for _, r := range Regressions(refs, added, kmodRefs, installs) {
		ev := RegressionEvent{eventHead: head(EventRegression), Kmod: r.Kmod, Kernel: refs[r.Kernel].Uname, Previous: refs[r.Previous].Uname,
			WorksOnPrevious: []string{}, Missing: map[string][]history.Missing{}}
		for _, m := range r.WorksOnPrevious {
			ev.WorksOnPrevious = append(ev.WorksOnPrevious, in.kmods[m].NEVRA)
		}
		slices.Sort(ev.WorksOnPrevious)
		for _, m := range r.Builds {
			ev.Missing[in.kmods[m].NEVRA] = in.cells[cellKey{in.kmods[m].NEVRA, ev.Kernel}].Missing
		}
		emit(EventRegression, ev)
		res.Regressions++
	}
	for _, f := range Fixes(refs, kmodRefs, in.newKmods, installs) {
		emit(EventFixed, FixedEvent{head(EventFixed), in.kmods[f.Kmod].Name, refs[f.Kernel].Uname, in.kmods[f.Kmod].NEVRA})
	}
	return res, err
}
