package repomd

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultReposDirs is dnf 4's default reposdir.
var DefaultReposDirs = []string{"/etc/yum.repos.d", "/etc/yum/repos.d", "/etc/distro.repos.d"}

// MainConfig is what a dnf configuration file (dnf.conf, or -c FILE) sets
// that repoclosure uses: [main]'s options and the repositories defined
// beside it.
type MainConfig struct {
	ReposDirs []string // reposdir; nil when not set
	Exclude   []string // excludepkgs (alias exclude)
	Include   []string // includepkgs
	Best      *bool    // best; nil when not set
	Repos     []RepoConfig
	// Unknown lists the keys that are no dnf option, as "FILE:LINE: KEY".
	Unknown []string
}

// ReadMainConfig reads a dnf configuration file; vars are substituted in
// its values. The error names the file, and the line of a bad value.
func ReadMainConfig(path string, vars Vars) (*MainConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	defer f.Close()
	sections, err := parseINI(bufio.NewReader(f), path)
	if err != nil {
		return nil, err
	}
	mc := &MainConfig{}
	for _, sec := range sections {
		if sec.name != "main" {
			repo, err := repoFromSection(sec, path, vars)
			if err != nil {
				return nil, err
			}
			mc.Repos = append(mc.Repos, repo)
			mc.Unknown = append(mc.Unknown, unknownKeys(sec, path)...)
			continue
		}
		for _, kv := range sec.values {
			value := vars.Substitute(kv.value)
			switch kv.key {
			case "reposdir":
				mc.ReposDirs = splitList(value)
			case "excludepkgs", "exclude":
				mc.Exclude = appendList(mc.Exclude, value)
			case "includepkgs":
				mc.Include = appendList(mc.Include, value)
			case "best":
				b, err := parseBool(value)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: best: %v", path, kv.line, err)
				}
				mc.Best = &b
			default:
				if !IsMainOption(kv.key) {
					mc.Unknown = append(mc.Unknown, fmt.Sprintf("%s:%d: %s", path, kv.line, kv.key))
				}
			}
		}
	}
	return mc, nil
}

// RepoDirs is what LoadRepoDirs found.
type RepoDirs struct {
	Repos []RepoConfig
	// Missing are the reposdirs that do not exist: a typo in reposdir must
	// not read as "no repositories", so the caller says so.
	Missing []string
	// Unknown lists the keys of the repositories that are no dnf option,
	// as "FILE:LINE: KEY", for the caller to warn about (dnf ignores them).
	Unknown []string
	// Duplicates says which repository definitions were dropped because
	// their id was defined before (see DedupeIDs), for the caller to warn.
	Duplicates []string
}

// LoadRepoDirs reads the .repo files of every dir in turn (see LoadRepoDir).
// A repository id defined twice, in one dir or two, keeps its first
// definition, as dnf does (see DedupeIDs). The dirs that do not exist are
// skipped, as dnf does.
func LoadRepoDirs(dirs []string, vars Vars) (*RepoDirs, error) {
	repos, missing, err := loadRepoDirs(dirs, vars)
	if err != nil {
		return nil, err
	}
	rd := &RepoDirs{Missing: missing}
	rd.Repos, rd.Duplicates = DedupeIDs(repos)
	var files []string
	for _, r := range repos {
		if !slices.Contains(files, r.File) {
			files = append(files, r.File)
		}
	}
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		sections, err := parseINI(bufio.NewReader(fh), file)
		fh.Close()
		if err != nil {
			return nil, err
		}
		for _, sec := range sections {
			if sec.name != "main" {
				rd.Unknown = append(rd.Unknown, unknownKeys(sec, file)...)
			}
		}
	}
	return rd, nil
}

// unknownKeys lists the keys of a repository section that are no dnf
// repository option.
func unknownKeys(sec *iniSection, file string) []string {
	var out []string
	for _, kv := range sec.values {
		if !IsRepoOption(kv.key) {
			out = append(out, fmt.Sprintf("%s:%d: %s", file, kv.line, kv.key))
		}
	}
	return out
}

func loadRepoDirs(dirs []string, vars Vars) (repos []RepoConfig, missing []string, err error) {
	for _, dir := range dirs {
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, dir)
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("reposdir: %w", err)
		case !st.IsDir():
			return nil, nil, fmt.Errorf("reposdir %s is not a directory", dir)
		}
		dirRepos, err := LoadRepoDir(dir, vars)
		if err != nil {
			return nil, nil, err
		}
		repos = append(repos, dirRepos...)
	}
	return repos, missing, nil
}

// DedupeIDs keeps the first definition of each repository id, as dnf does
// (it warns "Repository X is listed more than once in the configuration"
// and ignores the later one), and says in dropped which were ignored.
func DedupeIDs(repos []RepoConfig) (kept []RepoConfig, dropped []string) {
	from := map[string]string{}
	for _, r := range repos {
		if first, dup := from[r.ID]; dup {
			dropped = append(dropped, fmt.Sprintf("repository %q is defined in both %s and %s: using the first, as dnf does", r.ID, first, r.File))
			continue
		}
		from[r.ID] = r.File
		kept = append(kept, r)
	}
	return kept, dropped
}

// UnderRoot returns each path inside root (dnf's --installroot); paths are
// returned as they are when root is "" or "/".
func UnderRoot(root string, paths []string) []string {
	if root == "" || root == "/" {
		return paths
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Join(root, p)
	}
	return out
}

// ReleaseverFromRoot returns the $releasever of the system installed at
// root ("/" for the host), from its os-release VERSION_ID: dnf reads it from
// the rpmdb's system-release(releasever), which Red Hat-family releases set
// to the major version, and others to VERSION_ID. "" when unknown.
func ReleaseverFromRoot(root string) string {
	var data []byte
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		var err error
		if data, err = os.ReadFile(filepath.Join(root, p)); err == nil {
			break
		}
	}
	fields := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			fields[k] = strings.Trim(v, `"'`)
		}
	}
	ver := fields["VERSION_ID"]
	like := strings.Fields(fields["ID"] + " " + fields["ID_LIKE"])
	if slices.Contains(like, "rhel") {
		ver, _, _ = strings.Cut(ver, ".")
	}
	return ver
}

// CheckVarsSet fails, as dnf does, when a repository's location still uses
// $releasever (or a part of it) because none was given or detected.
func (c *RepoConfig) CheckVarsSet() error {
	for _, loc := range append([]string{c.Mirrorlist, c.Metalink}, c.BaseURLs...) {
		if strings.Contains(loc, "$releasever") || strings.Contains(loc, "${releasever") {
			return fmt.Errorf("repo %s (%s): %s uses $releasever, which is not set: pass --releasever", c.ID, c.File, loc)
		}
	}
	return nil
}

// MatchRepoIDs expands repository patterns (ids or globs, as dnf5 takes
// them) into the ids of ids they match, in the order of ids. A pattern
// that matches nothing is an error: dnf's "Unknown repo" for an id.
func MatchRepoIDs(patterns, ids []string) ([]string, error) {
	var out []string
	for _, pat := range patterns {
		hit := false
		for _, id := range ids {
			if ok, err := filepath.Match(pat, id); err == nil && ok {
				hit = true
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
		if !hit {
			return nil, &UnknownRepoError{Pattern: pat}
		}
	}
	return out, nil
}

// UnknownRepoError is a repository id or glob that names no repository.
type UnknownRepoError struct{ Pattern string }

func (e *UnknownRepoError) Error() string {
	if strings.ContainsAny(e.Pattern, "*?[") {
		return fmt.Sprintf("no repository matches '%s'", e.Pattern)
	}
	return fmt.Sprintf("Unknown repo: '%s'", e.Pattern) // dnf's words
}

// NoReposError says that no repository is enabled, in dnf's words, and
// which of the reposdirs do not exist.
type NoReposError struct{ ReposDirs, Missing []string }

func (e *NoReposError) Error() string {
	msg := "There are no enabled repositories"
	if len(e.ReposDirs) > 0 {
		msg += fmt.Sprintf(" in \"%s\".", strings.Join(e.ReposDirs, "\", \""))
	}
	missing := strings.Join(e.Missing, ", ")
	switch {
	case len(e.Missing) == 1:
		msg += fmt.Sprintf(" (reposdir %s does not exist)", missing)
	case len(e.Missing) > 1 && len(e.Missing) == len(e.ReposDirs):
		msg += fmt.Sprintf(" (none of the reposdirs exist: %s)", missing)
	case len(e.Missing) > 1:
		msg += fmt.Sprintf(" (reposdirs %s do not exist)", missing)
	}
	return msg
}

// Set applies a TLS or proxy option of a .repo section or --setopt. It
// reports whether key is one of them, and an error for a bad value.
func (h *RepoHTTP) Set(key, value string) (bool, error) {
	switch key {
	case "sslverify":
		v, err := parseBool(value)
		h.NoVerify = !v
		return true, err
	case "sslcacert":
		h.CACert = value
	case "sslclientcert":
		h.ClientCert = value
	case "sslclientkey":
		h.ClientKey = value
	case "proxy":
		h.Proxy, h.ProxyDisabled = value, value == "_none_"
		if h.ProxyDisabled {
			h.Proxy = ""
		}
	default:
		return false, nil
	}
	return true, nil
}

// IsRepoOption reports whether key is an option of a dnf (libdnf 0.69)
// repository section. repoclosure uses some; the rest cannot change which
// packages there are or what they need.
func IsRepoOption(key string) bool { return slices.Contains(repoOptions, key) }

// IsMainOption reports whether key is a [main] option of dnf, or a
// repository option (which [main] may set for every repository).
func IsMainOption(key string) bool {
	return slices.Contains(mainOptions, key) || IsRepoOption(key)
}

var repoOptions = []string{
	"name", "enabled", "baseurl", "mirrorlist", "metalink", "type", "mediaid", "gpgkey", "excludepkgs",
	"exclude", "includepkgs", "fastestmirror", "proxy", "proxy_username", "proxy_password",
	"proxy_auth_method", "proxy_sslcacert", "proxy_sslverify", "proxy_sslclientcert", "proxy_sslclientkey",
	"username", "password", "protected_packages", "gpgcheck", "repo_gpgcheck", "localpkg_gpgcheck",
	"enablegroups", "retries", "bandwidth", "minrate", "ip_resolve", "throttle", "timeout",
	"max_parallel_downloads", "metadata_expire", "cost", "priority", "module_hotfixes", "sslcacert",
	"sslverify", "sslclientcert", "sslclientkey", "sslverifystatus", "deltarpm", "deltarpm_percentage",
	"skip_if_unavailable", "enabled_metadata", "user_agent", "countme", "failovermethod", "basecachedir",
	"metadata_timer_sync", "http_caching", "keepcache", "mirrorlist_expire", "gpgcakey",
}

var mainOptions = []string{
	"debuglevel", "errorlevel", "installroot", "config_file_path", "plugins", "pluginpath",
	"pluginconfpath", "persistdir", "transformdb", "recent", "reset_nice", "system_cachedir", "cacheonly",
	"keepcache", "logdir", "log_size", "log_rotate", "log_compress", "varsdir", "reposdir", "debug_solver",
	"installonlypkgs", "group_package_types", "installonly_limit", "tsflags", "assumeyes", "assumeno",
	"check_config_file_age", "defaultyes", "diskspacecheck", "localpkg_gpgcheck", "gpgkey_dns_verification",
	"obsoletes", "showdupesfromrepos", "exit_on_lock", "allow_vendor_change", "metadata_timer_sync",
	"disable_excludes", "multilib_policy", "best", "install_weak_deps", "bugtracker_url",
	"zchunk", "color", "color_list_installed_older", "color_list_installed_newer",
	"color_list_installed_reinstall", "color_list_installed_extra", "color_list_available_upgrade",
	"color_list_available_downgrade", "color_list_available_reinstall", "color_list_available_install",
	"color_update_installed", "color_update_local", "color_update_remote", "color_search_match",
	"history_record", "history_record_packages", "rpmverbosity", "strict", "skip_broken",
	"autocheck_running_kernel", "clean_requirements_on_remove", "history_list_view", "upgrade_group_objects_upgrade",
	"destdir", "comment", "downloadonly", "ignorearch", "module_platform_id", "module_stream_switch",
	"module_obsoletes", "user_agent", "countme", "protect_running_kernel", "arch", "basearch", "cachedir",
	"logfilelevel", "log_file", "releasever", "excludepkgs", "includepkgs", "exclude_from_weak",
	"exclude_from_weak_autodetect", "proxy", "optional_metadata_types", "usr_drift_protected_paths",
	"installroot", "install_weak_deps", "fastestmirror", "max_parallel_downloads", "deltarpm",
	"protected_packages", "retries", "gpgcheck", "repo_gpgcheck", "skip_if_unavailable",
}
