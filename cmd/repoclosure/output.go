package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"
)

// isTerminal says whether w is a terminal that draws (not TERM=dumb).
func isTerminal(w io.Writer) bool {
	if ew, ok := w.(*errWriter); ok {
		w = ew.w
	}
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isatty.IsTerminal(f.Fd())
}

// writeJSON writes v as every command writes JSON: indented by two spaces,
// with <, > and & as they are (the matrix report's encoding too).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// useColor says whether output to w may be coloured: a terminal, and no
// NO_COLOR (https://no-color.org).
func useColor(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// outputFile is -o FILE: whole or absent. A regular file (or a new one) is
// written to a temporary file beside it and renamed over it on commit, with
// the mode the old file had; a symlink is written through to its target;
// a device or FIFO is written to directly, never replaced.
type outputFile struct {
	*os.File
	final string // rename target; "" when writing in place
	mode  fs.FileMode
	done  bool
}

// createOutput opens name for a command's output. It is called before any
// loading, so that an unwritable -o fails at once.
func createOutput(name string) (*outputFile, error) {
	target := name
	if resolved, err := filepath.EvalSymlinks(name); err == nil {
		target = resolved
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("-o %s: %w", name, err)
	}
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		switch {
		case st.IsDir():
			return nil, fmt.Errorf("-o %s: is a directory", name)
		case !st.Mode().IsRegular():
			f, err := os.OpenFile(target, os.O_WRONLY, 0)
			if err != nil {
				return nil, fmt.Errorf("-o %s: %w", name, err)
			}
			return &outputFile{File: f}, nil
		}
		mode = st.Mode().Perm()
	}
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		// The temporary file's name would mean nothing to the user; the
		// folder is what is missing or not writable.
		if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
			return nil, fmt.Errorf("-o %s: folder %s does not exist", name, dir)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("-o %s: cannot create a file in folder %s: %w", name, dir, err)
	}
	return &outputFile{File: f, final: target, mode: mode}, nil
}

// commit makes the output whole: the temporary file is synced, closed and
// renamed into place. Any failure is returned, and the old file stays.
func (f *outputFile) commit() error {
	if f.done {
		return nil
	}
	f.done = true
	if f.final == "" {
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", f.Name(), err)
		}
		return nil
	}
	err := f.Chmod(f.mode)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.final)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", f.final, err)
	}
	return nil
}

// abort drops the output unless commit ran: the old file is untouched.
func (f *outputFile) abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	if f.final != "" {
		os.Remove(f.Name())
	}
}

// settle ends a command that wrote to f: the output is committed when the
// command succeeded (*err is nil), else dropped with the old file untouched;
// a failed commit becomes the command's error. Deferred by the commands that
// open -o before loading.
func (f *outputFile) settle(code *int, err *error) {
	if *err != nil {
		f.abort()
		return
	}
	if cerr := f.commit(); cerr != nil {
		*code, *err = exitError, cerr
	}
}

// writeFile writes the file name with write, whole or not at all.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := createOutput(name)
	if err != nil {
		return err
	}
	defer f.abort()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.commit()
}

// errWriter remembers the first write error, so that a command whose
// output was lost (a full disk, a closed pipe, > /dev/full) does not exit
// as if it had been read.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
