package resolver

import "strings"

// CompatibleArches returns the package arches a machine of the given arch can
// install, best first, as libsolv's poolarch.c policy lists them (noarch
// last). An unknown arch installs only itself and noarch.
func CompatibleArches(arch string) []string {
	var policy string
	switch arch {
	case "x86_64", "amd64", "ia32e":
		policy = "x86_64:i686:i586:i486:i386"
	case "x86_64_v2":
		policy = "x86_64_v2:x86_64:i686:i586:i486:i386"
	case "x86_64_v3":
		policy = "x86_64_v3:x86_64_v2:x86_64:i686:i586:i486:i386"
	case "x86_64_v4":
		policy = "x86_64_v4:x86_64_v3:x86_64_v2:x86_64:i686:i586:i486:i386"
	case "i686", "athlon":
		policy = arch + ":i686:i586:i486:i386"
		if arch == "i686" {
			policy = "i686:i586:i486:i386"
		}
	case "i586":
		policy = "i586:i486:i386"
	case "i486":
		policy = "i486:i386"
	case "ppc64":
		policy = "ppc64:ppc"
	case "s390x":
		policy = "s390x:s390"
	case "armv7hl":
		policy = "armv7hl:armv7l:armv6l:armv5tejl:armv5tel:armv5l:armv4tl:armv4l:armv3l"
	case "armv7hnl":
		policy = "armv7hnl:armv7hl:armv7l:armv6l:armv5tejl:armv5tel:armv5l:armv4tl:armv4l:armv3l"
	default:
		policy = arch
	}
	return append(strings.Split(policy, ":"), "noarch")
}

// IsSourceArch reports whether arch marks a source package, which never
// provides anything.
func IsSourceArch(arch string) bool { return arch == "src" || arch == "nosrc" }
