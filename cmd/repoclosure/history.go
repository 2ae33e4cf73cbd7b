package main

import (
	"context"
	"strings"

	"github.com/repoclosure/repoclosure/kabi"
	"github.com/repoclosure/repoclosure/kabi/history"
	"github.com/repoclosure/repoclosure/resolver"
)

// hasRepos reports whether the command line names repositories; without
// them, --db reports read the database alone.
func (f *repoFlags) hasRepos() bool {
	if len(f.repoFromPath)+len(f.repos)+len(f.enable)+len(f.rpms) > 0 {
		return true
	}
	for _, kv := range f.setopt {
		if strings.HasPrefix(kv, "reposdir=") {
			return true
		}
	}
	return false
}

// loadHistoryWorld is every kernel build and kmod of the history database,
// plus those of the repositories when the command line names some.
func loadHistoryWorld(ctx context.Context, rf *repoFlags, kf *kernelFlags) (*kernelWorld, error) {
	st, err := history.Open(ctx, kf.db, false)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	kernels, err := st.Kernels(ctx, true)
	if err != nil {
		return nil, err
	}
	kmods, err := st.Kmods(ctx)
	if err != nil {
		return nil, err
	}
	s, err := rf.resolve()
	if err != nil {
		return nil, err
	}
	if rf.hasRepos() {
		strs, repos, err := rf.load(ctx, s)
		if err != nil {
			return nil, err
		}
		cur := newRepoWorld(resolver.NewPool(strs, repos, s.poolOptions(strs, repos)), kf)
		known := map[string]bool{}
		for _, k := range kernels {
			known[k.Uname] = true
		}
		for _, m := range kmods {
			known[m.NEVRA] = true
		}
		for _, b := range cur.kernels {
			if !known[b.Uname] {
				kernels = append(kernels, kabi.HistoryKernel(cur.pool, b, nil))
			}
		}
		for _, m := range kabi.HistoryKmods(cur.pool, cur.kernels, cur.kmods, nil) {
			if !known[m.NEVRA] {
				kmods = append(kmods, m)
			}
		}
	}
	pool, builds, ids := kabi.FromHistory(kernels, kmods, resolver.PoolOptions{Arch: s.arch, Rich: s.rich})
	w := &kernelWorld{pool: pool, kernels: builds}
	for _, id := range ids {
		if kf.selects(pool, id) {
			w.kmods = append(w.kmods, id)
		}
	}
	return w, nil
}
