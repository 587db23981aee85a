package shipper

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// RegistryFormat and RegistryVersion identify the registry file format
// (see REGISTRY.md beside this file).
const (
	RegistryFormat  = "sluice-file-registry"
	RegistryVersion = 1
)

// maxRegistrySize bounds the registry file read at start-up.
const maxRegistrySize = 256 << 20

// State is what the registry knows about one file: who it is and how far
// its lines were acknowledged.
type State struct {
	// ID is the entry's stable name inside the registry.
	ID string `json:"id"`
	// Path is the last name the file was seen under.
	Path string `json:"path"`
	// Offset is the byte offset up to which every line was acknowledged.
	Offset int64 `json:"offset"`
	// Device and Inode are the file's native identity.
	Device uint64 `json:"device"`
	Inode  uint64 `json:"inode"`
	// FPLen is the number of leading bytes FP covers (at most the
	// fingerprint length; less for a file that was shorter then).
	FPLen int `json:"fp_len"`
	// FP is the hex SHA-256 of the first FPLen bytes.
	FP string `json:"fp,omitempty"`
	// Updated is when the entry last changed.
	Updated time.Time `json:"updated"`
}

type registryFile struct {
	Format            string   `json:"format"`
	Version           int      `json:"version"`
	Identity          string   `json:"identity,omitempty"`
	FingerprintLength int      `json:"fingerprint_length,omitempty"`
	Files             []*State `json:"files"`
}

// CorruptRegistryError reports a registry file that cannot be decoded.
// The file is left in place; Backup names the copy made of it.
type CorruptRegistryError struct {
	Path   string
	Backup string
	Err    error
}

func (e *CorruptRegistryError) Error() string {
	return fmt.Sprintf("registry %s is corrupt (%v); a copy was saved as %s. "+
		"Remove or repair %s to start (without it, files are read again as if new, per start_position)",
		e.Path, e.Err, e.Backup, e.Path)
}

func (e *CorruptRegistryError) Unwrap() error { return e.Err }

// DecodeRegistry decodes a registry file's content.
func DecodeRegistry(b []byte) ([]*State, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("empty file")
	}
	var f registryFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("trailing data after the registry document")
	}
	if f.Format != RegistryFormat {
		return nil, fmt.Errorf("format is %q, want %q", f.Format, RegistryFormat)
	}
	if f.Version != RegistryVersion {
		return nil, fmt.Errorf("version %d is not supported (this Sluice reads version %d)", f.Version, RegistryVersion)
	}
	seen := make(map[string]bool, len(f.Files))
	out := f.Files[:0]
	for i, s := range f.Files {
		switch {
		case s == nil:
			return nil, fmt.Errorf("files[%d] is null", i)
		case s.ID == "":
			return nil, fmt.Errorf("files[%d] has no id", i)
		case seen[s.ID]:
			return nil, fmt.Errorf("files[%d]: duplicate id %q", i, s.ID)
		case s.Offset < 0:
			return nil, fmt.Errorf("files[%d]: negative offset %d", i, s.Offset)
		case s.FPLen < 0 || s.FPLen > maxFingerprintLength:
			return nil, fmt.Errorf("files[%d]: fp_len %d out of range", i, s.FPLen)
		case s.FPLen > 0 && len(s.FP) != 64:
			return nil, fmt.Errorf("files[%d]: fp must be 64 hex digits", i)
		}
		seen[s.ID] = true
		out = append(out, s)
	}
	return out, nil
}

// EncodeRegistry encodes states as a registry file.
func EncodeRegistry(states []*State, identity string, fpLen int) ([]byte, error) {
	f := registryFile{Format: RegistryFormat, Version: RegistryVersion, Identity: identity, FingerprintLength: fpLen, Files: states}
	if f.Files == nil {
		f.Files = []*State{}
	}
	b, err := json.MarshalIndent(&f, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Registry holds the states of one input's files and writes them to disk
// atomically. It is safe for concurrent use.
type Registry struct {
	path     string
	identity string
	fpLen    int

	mu     sync.Mutex
	states map[string]*State
	dirty  bool
	nextID uint64
	// existed is set when the registry file existed at open.
	existed bool
	// writeMu serialises writes of the file.
	writeMu sync.Mutex
}

// OpenRegistry loads the registry at path (a missing file is an empty
// registry). A file that cannot be decoded is copied aside and reported
// as a *CorruptRegistryError; it is never replaced silently.
func OpenRegistry(path, identity string, fpLen int) (*Registry, error) {
	r := &Registry{path: path, identity: identity, fpLen: fpLen, states: map[string]*State{}}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("registry directory: %w", err)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	if st.Size() > maxRegistrySize {
		return nil, fmt.Errorf("registry %s is %d bytes, more than the limit of %d", path, st.Size(), maxRegistrySize)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	states, derr := DecodeRegistry(b)
	if derr != nil {
		backup := fmt.Sprintf("%s.corrupt-%s", path, time.Now().UTC().Format("20060102T150405.000000000"))
		if werr := writeAtomic(backup, b); werr != nil {
			return nil, fmt.Errorf("registry %s is corrupt (%v) and could not be copied aside: %w", path, derr, werr)
		}
		return nil, &CorruptRegistryError{Path: path, Backup: backup, Err: derr}
	}
	for _, s := range states {
		r.states[s.ID] = s
	}
	r.existed = true
	return r, nil
}

// Existed reports whether the registry file existed when it was opened
// (the input ran before).
func (r *Registry) Existed() bool { return r.existed }

// Path returns the registry file's path.
func (r *Registry) Path() string { return r.path }

// snapshot returns copies of all states, ordered by id.
func (r *Registry) snapshot() []*State {
	r.mu.Lock()
	out := make([]*State, 0, len(r.states))
	for _, s := range r.states {
		c := *s
		out = append(out, &c)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// States returns copies of all states.
func (r *Registry) States() []State {
	snap := r.snapshot()
	out := make([]State, len(snap))
	for i, s := range snap {
		out[i] = *s
	}
	return out
}

// add inserts a new state with a fresh id.
func (r *Registry) add(s State) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		r.nextID++
		id := fmt.Sprintf("%x-%d", time.Now().UnixNano(), r.nextID)
		if _, dup := r.states[id]; !dup {
			s.ID = id
			break
		}
	}
	s.Updated = time.Now().UTC()
	c := s
	r.states[s.ID] = &c
	r.dirty = true
	return s.ID
}

// update changes the state id with fn (when it still exists).
func (r *Registry) update(id string, fn func(s *State)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.states[id]; ok {
		fn(s)
		s.Updated = time.Now().UTC()
		r.dirty = true
	}
}

// get returns a copy of the state id.
func (r *Registry) get(id string) (State, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.states[id]
	if !ok {
		return State{}, false
	}
	return *s, true
}

// remove deletes the state id.
func (r *Registry) remove(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.states[id]; ok {
		delete(r.states, id)
		r.dirty = true
	}
}

// each calls fn for every state under the lock; fn must not call back.
func (r *Registry) each(fn func(s *State)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.states {
		fn(s)
	}
}

// Flush writes the registry if it changed since the last write.
func (r *Registry) Flush() error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	r.mu.Lock()
	dirty := r.dirty
	r.dirty = false
	r.mu.Unlock()
	if !dirty {
		return nil
	}
	b, err := EncodeRegistry(r.snapshot(), r.identity, r.fpLen)
	if err == nil {
		err = writeAtomic(r.path, b)
	}
	if err != nil {
		r.mu.Lock()
		r.dirty = true
		r.mu.Unlock()
		return fmt.Errorf("registry %s: %w", r.path, err)
	}
	return nil
}

// writeAtomic replaces path with b: write a temporary file beside it,
// fsync it, rename it over path and fsync the directory, so that a crash
// leaves either the old or the new content, never a mix.
func writeAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
