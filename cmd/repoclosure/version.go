package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set at build time by the Makefile:
// -ldflags "-X main.version=$(git describe) -X main.commit=$(git rev-parse HEAD)".
var (
	version = ""
	commit  = ""
)

// versionString is what --version prints after the program name: the
// stamped version and commit, else what the Go toolchain recorded (the
// module version under `go install …@v1.2.3`, the VCS revision), and the Go
// version.
func versionString() string {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("%s (commit %s, %s %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
