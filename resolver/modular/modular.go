// Package modular selects module streams from modules.yaml and hides the
// packages dnf's modular filtering hides (libdnf's
// dnf_sack_filter_modules_v2), as an exclude predicate for resolver.Pool.
package modular

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/repoclosure/repoclosure/repomd"
	"github.com/repoclosure/repoclosure/resolver"
)

// Options configures Excludes.
type Options struct {
	// PlatformID names the platform pseudo-module, "platform:el9" style, as
	// dnf's module_platform_id does (without a ':' there is no platform).
	// Empty: detect it as dnf does in a fresh
	// install root, from the base-module(NAME:STREAM) provide of the newest
	// system-release providers; when they give none, or several, there is no
	// platform and every stream that requires one stays inactive.
	PlatformID string
	// Enabled lists "name:stream" pairs enabled as /etc/dnf/modules.d would.
	// An enabled module's default stream no longer counts, even when the
	// enabled stream does not exist. Entries without ':' are ignored.
	Enabled []string
	// Arch is the machine arch (dnf's --forcearch); modules and packages of
	// arches it cannot install take no part. Default x86_64.
	Arch string
}

// Excludes returns the packages dnf hides by modular filtering
// (libdnf's dnf_sack_filter_modules_v2: ModulePackageContainer's
// resolveActiveModulePackages, then setModuleExcludes), for use as
// resolver.PoolOptions.Exclude. mods gives the modules.yaml of each repository that has
// one; repos are all enabled repositories, hot-fix ones included, because
// their module metadata counts even though their packages are never hidden.
//
// The active module streams are the enabled ones and the default ones
// (modulemd-defaults) whose module requires can be met, with the streams they
// require, chosen as libsolv does for dnf (jobs in module-name order, the best
// version of each context, contexts in name order). Every build of an active
// name:stream:context is active. Then, outside repositories marked
// ModuleHotfixes, hidden are: packages whose exact NEVRA is an artifact of an
// inactive build and not of an active one; and packages that are not artifacts
// of active builds but share the name of one of their binary artifacts, or
// provide that name (binary, installable packages only), or are source
// packages named like one of their source artifacts.
func Excludes(strs *repomd.Strings, repos []*repomd.Repo, mods map[*repomd.Repo]*repomd.Modules, opts Options) func(*repomd.Repo, *repomd.Package) bool {
	m := newModularity(strs, repos, mods, opts)
	m.resolve()
	return m.excludes()
}

// moduleBuild is one module stream build, as libdnf's ModulePackage (a
// solvable of its module sack named name:stream:context).
type moduleBuild struct {
	md *repomd.ModuleStream
	// key is the solvable name "name:stream:context", with libdnf's
	// computed context for streams whose context is not static.
	key         string
	installable bool
	requires    [][]streamRef // each: alternatives, one must be installed
	conflicts   []streamRef   // "-x" streams of the requires
}

// streamRef names module(name) when stream is "", else module(name:stream).
type streamRef struct{ name, stream string }

// modularity holds the module sack of one Excludes call.
type modularity struct {
	strs     *repomd.Strings
	repos    []*repomd.Repo
	opts     Options
	builds   []*moduleBuild
	byName   map[string][]*moduleBuild // module name -> builds, in preference order
	defaults map[string]string         // module -> default stream
	platform streamRef                 // zero when none was found
	active   map[string]bool           // keys of active builds
}

func newModularity(strs *repomd.Strings, repos []*repomd.Repo, mods map[*repomd.Repo]*repomd.Modules, opts Options) *modularity {
	if opts.Arch == "" {
		opts.Arch = "x86_64"
	}
	m := &modularity{strs: strs, repos: repos, opts: opts, byName: make(map[string][]*moduleBuild), active: make(map[string]bool)}
	compat := resolver.CompatibleArches(opts.Arch)
	var all []*repomd.ModuleStream
	var defaults []repomd.ModuleDefaults
	for _, r := range repos {
		md := mods[r]
		if md == nil {
			continue
		}
		// libmodulemd hands libdnf each repository's modules sorted by name.
		streams := make([]*repomd.ModuleStream, len(md.Streams))
		for i := range md.Streams {
			streams[i] = &md.Streams[i]
		}
		slices.SortStableFunc(streams, func(a, b *repomd.ModuleStream) int { return strings.Compare(a.Name, b.Name) })
		all = append(all, streams...)
		defaults = append(defaults, md.Defaults...)
	}
	contexts := computedContexts(all)
	for i, s := range all {
		arch := s.Arch
		if arch == "" {
			arch = "noarch"
		}
		b := &moduleBuild{md: s, key: s.Name + ":" + s.Stream + ":" + contexts[i], installable: slices.Contains(compat, arch)}
		b.requires, b.conflicts = moduleRequires(s)
		m.builds = append(m.builds, b)
		m.byName[s.Name] = append(m.byName[s.Name], b)
	}
	for _, bs := range m.byName {
		// libsolv's choice among providers: by solvable name, then the
		// newest version.
		slices.SortStableFunc(bs, func(a, b *moduleBuild) int {
			if c := strings.Compare(a.key, b.key); c != 0 {
				return c
			}
			return cmp.Compare(b.md.Version, a.md.Version)
		})
	}
	m.defaults = mergeDefaults(defaults)
	m.platform = m.detectPlatform()
	return m
}

// computedContexts returns the context libdnf gives each stream: its own when
// static_context is set; otherwise that of a static-context build of the same
// name:stream with the same runtime module requires (platform left out), else
// those requires as a string, or "NoRequires".
func computedContexts(streams []*repomd.ModuleStream) []string {
	static := make(map[string]string) // name:stream + "\x00" + requires -> context
	reqs := make([]string, len(streams))
	for i, s := range streams {
		reqs[i] = requiresString(s)
		if s.StaticContext {
			k := s.Name + ":" + s.Stream + "\x00" + reqs[i]
			if _, ok := static[k]; !ok {
				static[k] = s.Context
			}
		}
	}
	out := make([]string, len(streams))
	for i, s := range streams {
		switch ctx, ok := static[s.Name+":"+s.Stream+"\x00"+reqs[i]]; {
		case s.StaticContext:
			out[i] = s.Context
		case ok:
			out[i] = ctx
		case reqs[i] == "":
			out[i] = "NoRequires"
		default:
			out[i] = reqs[i]
		}
	}
	return out
}

// requiresString renders a stream's runtime module requires without the
// platform as libdnf's ModulePackage::getRequires does: "name:[s1,s2]" or
// "name", modules and streams sorted.
func requiresString(s *repomd.ModuleStream) string {
	var parts []string
	for _, req := range s.Requires {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			if name == "platform" {
				continue
			}
			streams := slices.Sorted(slices.Values(req[name]))
			if len(streams) == 0 {
				parts = append(parts, name)
				continue
			}
			parts = append(parts, name+":["+strings.Join(streams, ",")+"]")
		}
	}
	return strings.Join(parts, ";")
}

// moduleRequires turns dependencies[].requires into solvable requires and
// conflicts as libdnf's ModulePackage::createDependencies does: every entry
// of every dependencies block must hold; a stream containing '-' is a
// conflict with that stream minus its first character.
func moduleRequires(s *repomd.ModuleStream) (requires [][]streamRef, conflicts []streamRef) {
	for _, req := range s.Requires {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			var alts []streamRef
			for _, stream := range req[name] {
				if strings.Contains(stream, "-") {
					conflicts = append(conflicts, streamRef{name, stream[1:]})
					continue
				}
				alts = append(alts, streamRef{name, stream})
			}
			if len(alts) == 0 {
				alts = []streamRef{{name: name}}
			}
			requires = append(requires, alts)
		}
	}
	return requires, conflicts
}

// mergeDefaults gives each module its default stream. Repositories that
// disagree leave the module without one, as libmodulemd's merger does.
func mergeDefaults(defaults []repomd.ModuleDefaults) map[string]string {
	out := make(map[string]string)
	conflict := make(map[string]bool)
	for _, d := range defaults {
		if d.Stream == "" {
			continue
		}
		if cur, ok := out[d.Module]; ok && cur != d.Stream {
			conflict[d.Module] = true
		}
		out[d.Module] = d.Stream
	}
	for mod := range conflict {
		delete(out, mod)
	}
	return out
}

// detectPlatform follows libdnf's ModulePackage::createPlatformSolvable for a
// fresh install root: the configured id, else the one base-module(...) string
// provided by the newest (per name.arch) installable providers of
// system-release. There are no installed packages and no os-release to fall
// back on.
func (m *modularity) detectPlatform() streamRef {
	if m.opts.PlatformID != "" {
		return parsePlatform(m.opts.PlatformID)
	}
	sysRelease, ok := m.strs.Lookup("system-release")
	if !ok {
		return streamRef{}
	}
	compat := make(map[repomd.ID]bool)
	for _, a := range resolver.CompatibleArches(m.opts.Arch) {
		if id, ok := m.strs.Lookup(a); ok {
			compat[id] = true
		}
	}
	type nameArch struct{ name, arch repomd.ID }
	newest := make(map[nameArch][]*repomd.Package)
	var order []nameArch
	for _, r := range m.repos {
		for i := range r.Packages {
			p := &r.Packages[i]
			if !compat[p.Arch] || !providesName(p, sysRelease) {
				continue
			}
			k := nameArch{p.Name, p.Arch}
			cur := newest[k]
			switch {
			case len(cur) == 0:
				order = append(order, k)
				newest[k] = []*repomd.Package{p}
			default:
				switch c := resolver.CompareEVR(m.strs.String(p.EVR), m.strs.String(cur[0].EVR)); {
				case c > 0:
					newest[k] = []*repomd.Package{p}
				case c == 0:
					newest[k] = append(cur, p)
				}
			}
		}
	}
	found := make(map[string]bool)
	for _, k := range order {
		for _, p := range newest[k] {
			for _, d := range p.Deps(repomd.Provides) {
				name := m.strs.String(d.Name)
				if inner, ok := strings.CutPrefix(name, "base-module("); ok && len(inner) > 1 && strings.HasSuffix(inner, ")") {
					found[inner[:len(inner)-1]] = true
				}
			}
		}
	}
	if len(found) != 1 {
		return streamRef{}
	}
	for id := range found {
		return parsePlatform(id)
	}
	return streamRef{}
}

// providesName reports whether p provides name (any version), its own name
// included.
func providesName(p *repomd.Package, name repomd.ID) bool {
	if p.Name == name {
		return true
	}
	for _, d := range p.Deps(repomd.Provides) {
		if d.Name == name {
			return true
		}
	}
	return false
}

// parsePlatform splits "name:stream" at the first ':'; both parts must be
// non-empty, else there is no platform.
func parsePlatform(id string) streamRef {
	name, stream, ok := strings.Cut(id, ":")
	if !ok || name == "" || stream == "" {
		return streamRef{}
	}
	return streamRef{name, stream}
}

// resolve finds the active builds: the module goal of libdnf's moduleSolve,
// whose install jobs are the enabled streams (hard) and the default streams
// of modules not enabled (weak: dropped when they cannot be met), each
// limited to the newest build of each context (DNF_FORCE_BEST). When a hard
// job fails, libdnf retries with every job weak and any version.
func (m *modularity) resolve() {
	enabled := make(map[string]string)
	for _, e := range m.opts.Enabled {
		if name, stream, ok := strings.Cut(e, ":"); ok {
			enabled[name] = stream
		}
	}
	var hard, weak []streamRef
	seen := make(map[streamRef]bool)
	for _, b := range m.builds {
		job := streamRef{b.md.Name, b.md.Stream}
		if seen[job] {
			continue
		}
		stream, isEnabled := enabled[job.name]
		switch {
		case isEnabled && stream == job.stream:
			hard = append(hard, job)
		case !isEnabled && m.defaults[job.name] == job.stream:
			weak = append(weak, job)
		default:
			continue
		}
		seen[job] = true
	}
	s := &moduleSolver{m: m, installed: make(map[string]*moduleBuild)}
	ok := true
	for _, job := range hard {
		ok = ok && s.installJob(job, true)
	}
	if ok {
		for _, job := range weak {
			s.installJob(job, true)
		}
	} else {
		s = &moduleSolver{m: m, installed: make(map[string]*moduleBuild)}
		for _, job := range append(hard, weak...) {
			s.installJob(job, false)
		}
	}
	for _, b := range s.installed {
		m.active[b.key] = true
	}
}

// moduleSolver installs module builds depth-first with backtracking: a
// stand-in for libsolv on the module sack, which is small.
type moduleSolver struct {
	m         *modularity
	installed map[string]*moduleBuild // module name -> build
	log       []string                // names in install order, for undo
	budget    int
}

// solverBudget bounds the backtracking of one job; real module graphs need a
// handful of steps.
const solverBudget = 100000

// installJob installs one build of job (module name:stream), the candidates
// being the newest build of each context when best is set. It reports false,
// leaving the state unchanged, when none can be installed.
func (s *moduleSolver) installJob(job streamRef, best bool) bool {
	if b := s.installed[job.name]; b != nil && b.md.Stream == job.stream {
		return true
	}
	var cands []*moduleBuild
	for _, b := range s.m.byName[job.name] {
		if b.md.Stream != job.stream || !b.installable {
			continue
		}
		// Builds are sorted by key, newest first: the first of a key is
		// its best version.
		if best && len(cands) > 0 && cands[len(cands)-1].key == b.key {
			continue
		}
		cands = append(cands, b)
	}
	s.budget = solverBudget
	return s.satisfy([][]*moduleBuild{cands})
}

// satisfy makes each pending requirement (a list of acceptable builds) hold,
// trying the builds in order and backtracking.
func (s *moduleSolver) satisfy(pending [][]*moduleBuild) bool {
	if len(pending) == 0 {
		return true
	}
	if s.budget--; s.budget < 0 {
		return false
	}
	for _, b := range pending[0] {
		if s.installed[b.md.Name] == b {
			return s.satisfy(pending[1:])
		}
	}
	for _, b := range pending[0] {
		if !s.canInstall(b) {
			continue
		}
		mark := len(s.log)
		s.installed[b.md.Name] = b
		s.log = append(s.log, b.md.Name)
		next := make([][]*moduleBuild, 0, len(b.requires)+len(pending)-1)
		for _, req := range b.requires {
			if !s.holds(req) {
				next = append(next, s.providers(req))
			}
		}
		if s.satisfy(append(next, pending[1:]...)) {
			return true
		}
		s.undo(mark)
	}
	return false
}

// canInstall reports whether b fits beside what is installed: one stream per
// module, no conflict either way, and the platform kept.
func (s *moduleSolver) canInstall(b *moduleBuild) bool {
	if !b.installable || s.installed[b.md.Name] != nil {
		return false
	}
	self := streamRef{b.md.Name, b.md.Stream}
	for _, c := range b.conflicts {
		if s.provided(c) {
			return false
		}
	}
	for _, other := range s.installed {
		if slices.Contains(other.conflicts, self) {
			return false
		}
	}
	return true
}

// holds reports whether an installed build or the platform meets one of
// alts.
func (s *moduleSolver) holds(alts []streamRef) bool {
	return slices.ContainsFunc(alts, s.provided)
}

// provided reports whether module(ref) is provided by the platform or an
// installed build.
func (s *moduleSolver) provided(ref streamRef) bool {
	p := s.m.platform
	if p.name != "" && ref.name == p.name && (ref.stream == "" || ref.stream == p.stream) {
		return true
	}
	b := s.installed[ref.name]
	return b != nil && (ref.stream == "" || ref.stream == b.md.Stream)
}

// providers lists the installable builds that meet one of alts, in libsolv's
// order of preference.
func (s *moduleSolver) providers(alts []streamRef) []*moduleBuild {
	var out []*moduleBuild
	for _, b := range s.m.builds {
		if !b.installable {
			continue
		}
		if slices.ContainsFunc(alts, func(r streamRef) bool {
			return r.name == b.md.Name && (r.stream == "" || r.stream == b.md.Stream)
		}) {
			out = append(out, b)
		}
	}
	slices.SortStableFunc(out, func(a, b *moduleBuild) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(b.md.Version, a.md.Version)
	})
	return out
}

func (s *moduleSolver) undo(mark int) {
	for _, name := range s.log[mark:] {
		delete(s.installed, name)
	}
	s.log = s.log[:mark]
}

// nevraKey is a package's identity as libdnf's NevraID compares it.
type nevraKey struct{ name, evr, arch repomd.ID }

// excludes builds the predicate of setModuleExcludes from the active set.
func (m *modularity) excludes() func(*repomd.Repo, *repomd.Package) bool {
	include := make(map[nevraKey]bool)
	exclude := make(map[nevraKey]bool)
	names := make(map[repomd.ID]bool)    // hide by name and by provides
	srcNames := make(map[repomd.ID]bool) // hide source packages by name
	demodularized := m.demodularized()
	for _, b := range m.builds {
		active := m.active[b.key]
		for _, a := range b.md.Artifacts {
			if k, ok := m.artifactKey(a); ok {
				if active {
					include[k] = true
				} else {
					exclude[k] = true
				}
			}
			if !active {
				continue
			}
			name, arch, ok := artifactNameArch(a)
			if !ok || slices.Contains(demodularized[b.md.Name+":"+b.md.Stream+"."+b.md.Arch], name) {
				continue
			}
			id, ok := m.strs.Lookup(name)
			if !ok {
				continue // no package has that name nor provides it
			}
			if resolver.IsSourceArch(arch) {
				srcNames[id] = true
			} else {
				names[id] = true
			}
		}
	}
	compat := make(map[repomd.ID]bool)
	for _, a := range resolver.CompatibleArches(m.opts.Arch) {
		if id, ok := m.strs.Lookup(a); ok {
			compat[id] = true
		}
	}
	return func(r *repomd.Repo, p *repomd.Package) bool {
		if r.ModuleHotfixes {
			return false
		}
		k := nevraKey{p.Name, p.EVR, p.Arch}
		switch {
		case include[k]:
			return false
		case exclude[k], names[p.Name]:
			return true
		case srcNames[p.Name]:
			return resolver.IsSourceArch(m.strs.String(p.Arch))
		case !compat[p.Arch]:
			return false // only installable packages provide
		}
		for _, d := range p.Deps(repomd.Provides) {
			if names[d.Name] {
				return true
			}
		}
		return false
	}
}

// demodularized maps "name:stream.arch" to the demodularized rpm names of the
// newest builds of that stream, which libdnf no longer hides by name.
func (m *modularity) demodularized() map[string][]string {
	newest := make(map[string]uint64)
	for _, b := range m.builds {
		k := b.key + "." + b.md.Arch
		newest[k] = max(newest[k], b.md.Version)
	}
	out := make(map[string][]string)
	for _, b := range m.builds {
		if len(b.md.Demodularized) == 0 || newest[b.key+"."+b.md.Arch] != b.md.Version {
			continue
		}
		k := b.md.Name + ":" + b.md.Stream + "." + b.md.Arch
		out[k] = append(out[k], b.md.Demodularized...)
	}
	return out
}

// artifactKey parses an artifact as libdnf's NevraID::parse does for its
// HY_PKG_NEVRA_STRICT filter: arch after the last '.', release after the last
// '-', version after the '-' before it, a leading "0:" dropped; the strings
// must be known to the interner, else no package can match.
func (m *modularity) artifactKey(nevra string) (nevraKey, bool) {
	rel := strings.LastIndexByte(nevra, '-')
	if rel < 0 {
		return nevraKey{}, false
	}
	evrStart := strings.LastIndexByte(nevra[:rel], '-')
	dot := strings.LastIndexByte(nevra, '.')
	if evrStart <= 0 || rel-evrStart <= 1 || dot <= rel+1 || dot == len(nevra)-1 {
		return nevraKey{}, false
	}
	evr := strings.TrimPrefix(nevra[evrStart+1:dot], "0:")
	var k nevraKey
	var ok1, ok2, ok3 bool
	k.name, ok1 = m.strs.Lookup(nevra[:evrStart])
	k.evr, ok2 = m.strs.Lookup(evr)
	k.arch, ok3 = m.strs.Lookup(nevra[dot+1:])
	return k, ok1 && ok2 && ok3
}

// artifactNameArch returns the name and arch of an N-E:V-R.A artifact, as
// libdnf's Nevra parse (HY_FORM_NEVRA) reads them.
func artifactNameArch(nevra string) (name, arch string, ok bool) {
	dot := strings.LastIndexByte(nevra, '.')
	if dot < 0 {
		return "", "", false
	}
	rel := strings.LastIndexByte(nevra[:dot], '-')
	if rel < 0 {
		return "", "", false
	}
	ver := strings.LastIndexByte(nevra[:rel], '-')
	if ver <= 0 || strings.ContainsAny(nevra[:ver], ":(/=<> ") {
		return "", "", false
	}
	return nevra[:ver], nevra[dot+1:], true
}
