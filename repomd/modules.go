package repomd

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/repoclosure/repoclosure/internal/rpmver"
)

// ModuleStream is one modulemd document: a build of a module stream, as
// repomd.xml's "modules" entry lists them.
type ModuleStream struct {
	Name, Stream, Context, Arch string
	Version                     uint64
	// StaticContext is modulemd v2's static_context. libdnf groups the
	// builds of a stream whose context is not static by their runtime
	// module requires instead of by context.
	StaticContext bool
	// Requires holds dependencies[].requires, one map per dependencies
	// entry: module name -> streams. An empty list means any stream; a
	// stream written "-x" means "not x".
	Requires []map[string][]string
	// Artifacts are artifacts.rpms: NEVRA strings, epoch included
	// ("foo-0:1.0-1.el9.x86_64").
	Artifacts []string
	// Profiles maps a profile name to its rpms.
	Profiles map[string][]string
	// Demodularized lists demodularized.rpms: package names that left the
	// module, which libdnf no longer hides when the stream is active.
	Demodularized []string
}

// ModuleDefaults is a modulemd-defaults document. Stream is empty when the
// module has no default stream.
type ModuleDefaults struct {
	Module, Stream string
	Profiles       map[string][]string // stream -> default profiles
}

// Modules is the content of one modules.yaml.
type Modules struct {
	Streams  []ModuleStream
	Defaults []ModuleDefaults
	// Rejected describes the documents that libmodulemd, and so dnf, drop
	// while keeping the rest of the file (an artifact not in N-E:V-R.A form,
	// a field of the wrong type), each naming the file and line.
	Rejected []string
}

// The YAML layouts ParseModules reads. Unknown keys are ignored: modulemd
// carries much that module filtering does not need (licences, components,
// buildopts, xmd).
type (
	yamlDocument struct {
		Document string    `yaml:"document"`
		Version  int       `yaml:"version"`
		Data     yaml.Node `yaml:"data"`
	}
	yamlStream struct {
		Name          string    `yaml:"name"`
		Stream        string    `yaml:"stream"`
		Version       uint64    `yaml:"version"`
		Context       string    `yaml:"context"`
		StaticContext bool      `yaml:"static_context"`
		Arch          string    `yaml:"arch"`
		Dependencies  yaml.Node `yaml:"dependencies"` // v2: a list; v1: one map
		Profiles      map[string]struct {
			RPMs []string `yaml:"rpms"`
		} `yaml:"profiles"`
		Artifacts struct {
			RPMs []string `yaml:"rpms"`
		} `yaml:"artifacts"`
		Demodularized struct {
			RPMs []string `yaml:"rpms"`
		} `yaml:"demodularized"`
	}
	yamlDepsV2 struct {
		Requires map[string][]string `yaml:"requires"`
	}
	yamlDepsV1 struct {
		Requires map[string]string `yaml:"requires"`
	}
	yamlDefaults struct {
		Module   string              `yaml:"module"`
		Stream   string              `yaml:"stream"`
		Profiles map[string][]string `yaml:"profiles"`
	}
)

// ParseModules reads a multi-document modules.yaml: modulemd documents of
// version 2 (and the older version 1 layout) and modulemd-defaults version 1.
// Other documents (modulemd-obsoletes, modulemd-translations, unknown
// versions) are skipped, as libdnf skips what it cannot use; a document that
// libmodulemd would refuse is left out and described in Rejected. Only a file
// that is not YAML at all is an error, naming the file (name) and the line.
func ParseModules(r io.Reader, name string) (*Modules, error) {
	dec := yaml.NewDecoder(r)
	mods := &Modules{}
	for n := 1; ; n++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			return mods, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", name, n, err)
		}
		if err := mods.addDocument(&node); err != nil {
			line := node.Line
			if len(node.Content) > 0 {
				line = node.Content[0].Line // after the "---"
			}
			msg := strings.ReplaceAll(err.Error(), "\n ", "") // yaml.v3 lists type errors on lines of their own
			mods.Rejected = append(mods.Rejected, fmt.Sprintf("%s: document %d (line %d): %s", name, n, line, msg))
		}
	}
}

// addDocument decodes one YAML document and appends what it describes.
func (m *Modules) addDocument(node *yaml.Node) error {
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	if node.Kind == yaml.ScalarNode && node.Tag == "!!null" {
		return nil // an empty document, e.g. after a trailing "---"
	}
	var doc yamlDocument
	if err := node.Decode(&doc); err != nil {
		return err
	}
	switch {
	case doc.Document == "modulemd" && (doc.Version == 1 || doc.Version == 2):
		s, err := decodeStream(&doc.Data, doc.Version)
		if err != nil {
			return err
		}
		m.Streams = append(m.Streams, s)
	case doc.Document == "modulemd-defaults" && doc.Version == 1:
		var d yamlDefaults
		if err := doc.Data.Decode(&d); err != nil {
			return err
		}
		if d.Module == "" {
			return fmt.Errorf("line %d: modulemd-defaults without a module name", doc.Data.Line)
		}
		m.Defaults = append(m.Defaults, ModuleDefaults(d))
	}
	return nil
}

// decodeStream reads the data of a modulemd document of version 1 or 2.
func decodeStream(data *yaml.Node, version int) (ModuleStream, error) {
	var y yamlStream
	if err := data.Decode(&y); err != nil {
		return ModuleStream{}, err
	}
	if y.Name == "" || y.Stream == "" {
		// Repository metadata always names both; libmodulemd rejects a
		// stream without them.
		return ModuleStream{}, fmt.Errorf("line %d: modulemd without name or stream", data.Line)
	}
	for _, a := range y.Artifacts.RPMs {
		if !validNEVRA(a) {
			return ModuleStream{}, fmt.Errorf("artifact %q is not in N-E:V-R.A form", a)
		}
	}
	s := ModuleStream{
		Name: y.Name, Stream: y.Stream, Context: y.Context, Arch: y.Arch, Version: y.Version,
		StaticContext: y.StaticContext,
		Artifacts:     y.Artifacts.RPMs,
		Demodularized: y.Demodularized.RPMs,
	}
	if len(y.Profiles) > 0 {
		s.Profiles = make(map[string][]string, len(y.Profiles))
		for p, v := range y.Profiles {
			s.Profiles[p] = v.RPMs
		}
	}
	reqs, err := decodeRequires(&y.Dependencies, version)
	if err != nil {
		return ModuleStream{}, err
	}
	s.Requires = reqs
	return s, nil
}

// decodeRequires reads a stream's dependencies: in version 1 one map, each
// module with a single stream; in version 2 a list of maps, each module
// with its streams (none: any).
func decodeRequires(deps *yaml.Node, version int) ([]map[string][]string, error) {
	if deps.Kind == 0 {
		return nil, nil
	}
	if version == 1 {
		var d yamlDepsV1
		if err := deps.Decode(&d); err != nil {
			return nil, err
		}
		if len(d.Requires) == 0 {
			return nil, nil
		}
		req := make(map[string][]string, len(d.Requires))
		for mod, stream := range d.Requires {
			req[mod] = []string{stream}
		}
		return []map[string][]string{req}, nil
	}
	var list []yamlDepsV2
	if err := deps.Decode(&list); err != nil {
		return nil, err
	}
	var out []map[string][]string
	for _, d := range list {
		req := d.Requires
		if req == nil {
			req = map[string][]string{}
		}
		for mod, streams := range req {
			if streams == nil {
				req[mod] = []string{}
			}
		}
		out = append(out, req)
	}
	return out, nil
}

// validNEVRA is libmodulemd's modulemd_validate_nevra, which rejects the whole
// document when one artifact fails: from the end, an arch after a '.', a
// release after a '-', then a ':' whose epoch, after the '-' before it, starts
// with digits. "foo-1.0-1.x86_64" (no epoch) fails.
func validNEVRA(nevra string) bool {
	dot := strings.LastIndexByte(nevra, '.')
	if dot < 0 {
		return false
	}
	dash := strings.LastIndexByte(nevra[:dot+1], '-')
	if dash < 0 {
		return false
	}
	colon := strings.LastIndexByte(nevra[:dash+1], ':')
	if colon < 0 {
		return false
	}
	epochDash := strings.LastIndexByte(nevra[:colon], '-')
	if epochDash < 0 {
		return false
	}
	// strtoll from the '-' reads a negative number: a digit must follow.
	return epochDash+1 < colon && rpmver.IsDigit(nevra[epochDash+1])
}
