package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Repo is a repository for a dnf run: Name is the repo id dnf reports
// ("from NAME"), Path the directory holding repodata/.
type Repo struct{ Name, Path string }

// DNF is one isolated dnf 4 run on repositories given by path.
type DNF struct {
	Repos []Repo
	// Releasever is $releasever, "8" when empty.
	Releasever string
	// InstallRoot is a directory the caller prepared (e.g. with
	// etc/dnf/modules.d); empty means a fresh empty one. dnf.conf and
	// yum.repos.d are read from neither the root nor the host.
	InstallRoot string
}

// DNFOutput is what one dnf run printed.
type DNFOutput struct {
	// Args is dnf's command line, for messages.
	Args           []string
	Stdout, Stderr string
	ExitCode       int
}

// dnfConfig is the whole dnf.conf of a run. best is explicit because its
// default differs between builds and distributions (RHEL ships best=True,
// which lets only the newest package per name.arch provide); a test passes
// --setopt=best=True or --best to get that. skip_if_unavailable=False turns
// a bad repository path into an error instead of a silently empty
// repository (this machine's /etc/dnf/dnf.conf says True).
const dnfConfig = "[main]\nbest=False\nskip_if_unavailable=False\nreposdir=\n"

// Run runs `dnf COMMAND ARGS...` with nothing from the host: its own
// --config file, --setopt=reposdir= (empty), cachedir and install root in a
// temporary directory, --releasever, --forcearch=x86_64, every plugin but
// repoclosure disabled, messages untranslated, and each of d.Repos added
// with --repofrompath and enabled alone. A non-zero exit is ExitCode, not
// an error; dnf missing, a bad repo name or a canceled ctx are errors.
func (d DNF) Run(ctx context.Context, command string, args ...string) (*DNFOutput, error) {
	bin, err := LookPath("dnf")
	if err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	tmp, err := os.MkdirTemp("", "testenv-dnf-")
	if err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	defer os.RemoveAll(tmp)
	conf := filepath.Join(tmp, "dnf.conf")
	if err := os.WriteFile(conf, []byte(dnfConfig), 0o644); err != nil {
		return nil, fmt.Errorf("testenv: %w", err)
	}
	root, releasever := d.InstallRoot, d.Releasever
	if root == "" {
		root = filepath.Join(tmp, "root")
	}
	if releasever == "" {
		releasever = "8"
	}
	argv := []string{
		"-q",
		"--config=" + conf,
		"--installroot=" + root,
		"--setopt=reposdir=",
		"--setopt=cachedir=" + filepath.Join(tmp, "cache"),
		"--setopt=skip_if_unavailable=False",
		"--releasever=" + releasever,
		"--forcearch=x86_64",
		"--disableplugin=*",
		"--enableplugin=repoclosure",
		command,
	}
	for _, r := range d.Repos {
		if r.Name == "" || strings.ContainsAny(r.Name, ", \t\n") {
			return nil, fmt.Errorf("testenv: invalid repo name %q (path %s)", r.Name, r.Path)
		}
		path, err := filepath.Abs(r.Path)
		if err != nil {
			return nil, fmt.Errorf("testenv: repo %s: %w", r.Name, err)
		}
		argv = append(argv, "--repofrompath="+r.Name+","+path, "--repo", r.Name)
	}
	argv = append(argv, args...)

	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Env = isolatedEnv(tmp)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	res := &DNFOutput{Args: argv}
	runErr := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
	case errors.As(runErr, &exitErr) && ctx.Err() == nil:
		res.ExitCode = exitErr.ExitCode()
	default:
		return nil, fmt.Errorf("testenv: running dnf %s: %w", strings.Join(argv, " "), runErr)
	}
	res.Stdout, res.Stderr = out.String(), errOut.String()
	return res, nil
}
