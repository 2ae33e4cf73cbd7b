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

func ingest(ctx context.Context, st *history.Store, obs *Observation, opts resolver.PoolOptions, now time.Time) (*PollResult, error) {
	base, err := st.LastPoll(ctx)
	if err != nil {
		return nil, err
	}
	oldKernels, err := st.Kernels(ctx, true)
	if err != nil {
		return nil, err
	}
	oldKmods, err := st.Kmods(ctx)
	if err != nil {
		return nil, err
	}
	oldCells, err := st.Cells(ctx)
	if err != nil {
		return nil, err
	}
	mirrors := map[string]string{}
	for _, s := range obs.Snapshots {
		mirrors[s.Repo] = s.URL
	}
	poll := &history.Poll{Base: base, Time: now, Snapshots: obs.Snapshots}
	for _, b := range obs.Kernels {
		k := HistoryKernel(obs.Pool, b, "")
		k.URL = mirrors[k.Repo]
		poll.Kernels = append(poll.Kernels, k)
	}
	poll.Kmods = HistoryKmods(obs.Pool, obs.Kernels, obs.Kmods, mirrors)

	// Everything known after this poll: the stored builds, then the new ones.
	allKernels := slices.Clone(oldKernels)
	allKmods := slices.Clone(oldKmods)
	kernelSeen := map[string]bool{}
	for _, k := range oldKernels {
		kernelSeen[k.Uname] = true
	}
	kmodSeen := map[string]bool{}
	for _, m := range oldKmods {
		kmodSeen[m.NEVRA] = true
	}
	var newKernels, newKmods []string
	present := map[string]bool{}
	for _, k := range poll.Kernels {
		present[k.Uname] = true
		if !kernelSeen[k.Uname] {
			kernelSeen[k.Uname] = true
			newKernels = append(newKernels, k.Uname)
			allKernels = append(allKernels, k)
		}
	}
	for _, m := range poll.Kmods {
		present[m.NEVRA] = true
		if !kmodSeen[m.NEVRA] {
			kmodSeen[m.NEVRA] = true
			newKmods = append(newKmods, m.NEVRA)
			allKmods = append(allKmods, m)
		}
	}
	for _, k := range oldKernels {
		if k.Present && !present[k.Uname] {
			poll.Gone = append(poll.Gone, k.Uname)
		}
	}
	for _, m := range oldKmods {
		if m.Present && !present[m.NEVRA] {
			poll.GoneKmods = append(poll.GoneKmods, m.NEVRA)
		}
	}

	// The new cells, over the history.
	type pair struct{ kmod, kernel string }
	cells := map[pair]history.Cell{}
	for _, c := range oldCells {
		cells[pair{c.Kmod, c.Kernel}] = c
	}
	if len(newKernels)+len(newKmods) > 0 {
		hp, builds, kmodIDs := FromHistory(allKernels, allKmods, opts)
		rows := kmodIDs
		if len(newKernels) == 0 {
			// New kmods, and the known kmods whose requires a new kmod may
			// now meet (a ksym provider arriving after its users).
			provided := map[string]bool{}
			for _, m := range poll.Kmods {
				if !kmodSeenBefore(oldKmods, m.NEVRA) {
					for _, d := range m.Provides {
						provided[d.Name] = true
					}
				}
			}
			rows = slices.DeleteFunc(slices.Clone(kmodIDs), func(id resolver.PkgID) bool {
				old, ok := findKmod(oldKmods, hp.NEVRA(id))
				return ok && !slices.ContainsFunc(old.Requires, func(r history.Require) bool { return !r.Outside && provided[r.Name] })
			})
		}
		m := NewMatrix(hp, builds, rows)
		for mi, id := range rows {
			nevra := hp.NEVRA(id)
			for ki, b := range builds {
				key := pair{nevra, b.Uname}
				c := history.Cell{Kmod: nevra, Kernel: b.Uname, Installable: m.Cells[mi][ki].Installable(), Missing: []history.Missing{}}
				for _, miss := range m.Cells[mi][ki].Missing {
					c.Missing = append(c.Missing, history.Missing{Dep: hp.DepString(miss.Dep), Reason: string(miss.Reason), KernelHas: miss.KernelHas})
				}
				if old, ok := cells[key]; ok && reflect.DeepEqual(old, c) {
					continue
				}
				cells[key] = c
				poll.Cells = append(poll.Cells, c)
			}
		}
	}

	// Events, in a fixed order: kernels added (EVR order), removed, kmods
	// added, regressions, fixes.
	res := &PollResult{}
	stamp := now.UTC().Format(time.RFC3339)
	emit := func(kind string, v any) error {
		js, err := json.Marshal(v)
		if err != nil {
			return err
		}
		poll.Events = append(poll.Events, history.Event{Kind: kind, Time: now, JSON: js})
		return nil
	}
	head := func(kind string) eventHead { return eventHead{Event: kind, Time: stamp} }
	refs := make([]BuildRef, len(allKernels))
	kernelIndex := map[string]int{}
	for i, k := range allKernels {
		refs[i] = BuildRef{Uname: k.Uname, EVR: k.EVR, Source: k.Source, Arch: k.Arch}
		kernelIndex[k.Uname] = i
	}
	added := make([]int, 0, len(newKernels))
	for _, u := range newKernels {
		added = append(added, kernelIndex[u])
	}
	slices.SortStableFunc(added, func(a, b int) int { return resolver.CompareEVR(refs[a].EVR, refs[b].EVR) })
	for _, i := range added {
		k := allKernels[i]
		if err := emit(EventKernelAdded, KernelAddedEvent{head(EventKernelAdded), k.Uname, k.EVR, k.Arch, k.Source, k.NSymbols}); err != nil {
			return nil, err
		}
	}
	for _, u := range poll.Gone {
		if err := emit(EventKernelRemoved, KernelRemovedEvent{head(EventKernelRemoved), u}); err != nil {
			return nil, err
		}
	}
	kmodRefs := make([]KmodRef, len(allKmods))
	kmodIndex := map[string]int{}
	for i, m := range allKmods {
		kmodRefs[i] = KmodRef{NEVRA: m.NEVRA, Name: m.Name}
		kmodIndex[m.NEVRA] = i
	}
	var addedKmods []int
	for _, n := range newKmods {
		addedKmods = append(addedKmods, kmodIndex[n])
		if err := emit(EventKmodAdded, KmodAddedEvent{head(EventKmodAdded), n, allKmods[kmodIndex[n]].Name}); err != nil {
			return nil, err
		}
	}
	installs := func(m, k int) (bool, bool) {
		c, ok := cells[pair{allKmods[m].NEVRA, allKernels[k].Uname}]
		return ok && c.Installable, ok
	}
	for _, r := range Regressions(refs, added, kmodRefs, installs) {
		ev := RegressionEvent{eventHead: head(EventRegression), Kmod: r.Kmod, Kernel: refs[r.Kernel].Uname, Previous: refs[r.Previous].Uname,
			WorksOnPrevious: []string{}, Missing: map[string][]history.Missing{}}
		for _, m := range r.WorksOnPrevious {
			ev.WorksOnPrevious = append(ev.WorksOnPrevious, allKmods[m].NEVRA)
		}
		slices.Sort(ev.WorksOnPrevious)
		for _, m := range r.Builds {
			ev.Missing[allKmods[m].NEVRA] = cells[pair{allKmods[m].NEVRA, refs[r.Kernel].Uname}].Missing
		}
		if err := emit(EventRegression, ev); err != nil {
			return nil, err
		}
		res.Regressions++
	}
	for _, f := range Fixes(refs, kmodRefs, addedKmods, installs) {
		if err := emit(EventFixed, FixedEvent{head(EventFixed), allKmods[f.Kmod].Name, refs[f.Kernel].Uname, allKmods[f.Kmod].NEVRA}); err != nil {
			return nil, err
		}
	}
	id, err := st.Record(ctx, poll)
	if err != nil {
		return nil, err
	}
	res.Poll, res.Events = id, poll.Events
	return res, nil
}

func kmodSeenBefore(old []history.Kmod, nevra string) bool {
	_, ok := findKmod(old, nevra)
	return ok
}

func findKmod(kmods []history.Kmod, nevra string) (history.Kmod, bool) {
	i := slices.IndexFunc(kmods, func(m history.Kmod) bool { return m.NEVRA == nevra })
	if i < 0 {
		return history.Kmod{}, false
	}
	return kmods[i], true
}
