package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"
)

// atomicFile is an output file that appears whole or not at all: written to
// a temp file beside it and renamed on commit.
type atomicFile struct {
	*os.File
	final string
	done  bool
}

func createAtomic(name string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	return &atomicFile{File: f, final: name}, nil
}

// commit closes the file and renames it into place.
func (f *atomicFile) commit() error {
	if f.done {
		return nil
	}
	f.done = true
	// CreateTemp makes the file private; an output file is for reading.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	if err := os.Rename(f.Name(), f.final); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.final, err)
	}
	return nil
}

// abort removes the temp file unless commit ran.
func (f *atomicFile) abort() {
	if !f.done {
		f.done = true
		f.Close()
		os.Remove(f.Name())
	}
}

// isTerminal says whether w is a terminal that draws (not TERM=dumb).
func isTerminal(w io.Writer) bool {
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

// writeFile writes the file name with write, whole or not at all.
func writeFile(name string, write func(*atomicFile) error) error {
	f, err := createAtomic(name)
	if err != nil {
		return err
	}
	defer f.abort()
	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.commit()
}
