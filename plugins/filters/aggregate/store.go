package aggregate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"go.starlark.net/starlark"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/scripting"
)

// Aggregate maps are shared by every aggregate filter of a pipeline that
// uses the same task_id pattern, as in Logstash: the start, update and end
// filters of a task each see the task's map. One mutex per pipeline
// serialises them (and the scripts that change the maps).

// element is one task's map.
type element struct {
	// createdRef and lastRef are the reference times of the first and last
	// event (the timeout_timestamp_field's value, else the clock).
	createdRef, lastRef time.Time
	// createdWall and lastWall are the clock at those events.
	createdWall, lastWall time.Time
	m                     *starlark.Dict
}

// store holds the maps of one task_id pattern.
type store struct {
	maps map[string]*element
	// owner handles timeouts for the pattern: the filter with timeout
	// options, else the first one built.
	owner *Filter
}

// oldest returns the task whose map was created first.
func (s *store) oldest() (string, *element) {
	var id string
	var el *element
	for k, e := range s.maps {
		if el == nil || e.createdWall.Before(el.createdWall) || (e.createdWall.Equal(el.createdWall) && k < id) {
			id, el = k, e
		}
	}
	return id, el
}

// sortedIDs lists task ids by creation time (for a stable push order).
func (s *store) sortedIDs() []string {
	ids := make([]string, 0, len(s.maps))
	for k := range s.maps {
		ids = append(ids, k)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := s.maps[ids[i]], s.maps[ids[j]]
		if !a.createdWall.Equal(b.createdWall) {
			return a.createdWall.Before(b.createdWall)
		}
		return ids[i] < ids[j]
	})
	return ids
}

// pipelineState is what the aggregate filters of one pipeline share.
type pipelineState struct {
	mu       sync.Mutex
	refs     int
	patterns map[string]*store
	// mapsPath is aggregate_maps_path (set by at most one filter).
	mapsPath  string
	pathOwner *Filter
	// minTimeout is the smallest timeout set in the pipeline's aggregate
	// filters (0: none): the timeout of patterns that set none.
	minTimeout time.Duration
}

var (
	pipelinesMu sync.Mutex
	pipelines   = map[string]*pipelineState{}
)

// acquire returns the pipeline's shared state, counting f as a user.
func acquire(pipelineID string) *pipelineState {
	pipelinesMu.Lock()
	defer pipelinesMu.Unlock()
	ps := pipelines[pipelineID]
	if ps == nil {
		ps = &pipelineState{patterns: map[string]*store{}}
		pipelines[pipelineID] = ps
	}
	ps.refs++
	return ps
}

// release drops a user; the last one saves the maps (when a path is set)
// and forgets the state.
func release(pipelineID string, ps *pipelineState) error {
	pipelinesMu.Lock()
	ps.refs--
	last := ps.refs == 0
	if last && pipelines[pipelineID] == ps {
		delete(pipelines, pipelineID)
	}
	pipelinesMu.Unlock()
	if !last || ps.mapsPath == "" {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return saveMaps(ps.mapsPath, ps.patterns)
}

// storeFor returns the store of a task_id pattern.
func (ps *pipelineState) storeFor(pattern string) *store {
	s := ps.patterns[pattern]
	if s == nil {
		s = &store{maps: map[string]*element{}}
		ps.patterns[pattern] = s
	}
	return s
}

// The file aggregate_maps_path holds: JSON, one object per task_id pattern.
type savedFile struct {
	Version  int                                `json:"version"`
	Patterns map[string]map[string]savedElement `json:"patterns"`
}

type savedElement struct {
	CreatedRef  time.Time       `json:"created"`
	LastRef     time.Time       `json:"last_event"`
	CreatedWall time.Time       `json:"created_clock"`
	LastWall    time.Time       `json:"last_event_clock"`
	Map         json.RawMessage `json:"map"`
}

func saveMaps(path string, patterns map[string]*store) error {
	f := savedFile{Version: 1, Patterns: map[string]map[string]savedElement{}}
	for pattern, s := range patterns {
		if len(s.maps) == 0 {
			continue
		}
		out := map[string]savedElement{}
		for id, el := range s.maps {
			m := scripting.FromValueLenient(el.m)
			out[id] = savedElement{
				CreatedRef: el.createdRef, LastRef: el.lastRef,
				CreatedWall: el.createdWall, LastWall: el.lastWall,
				Map: event.AppendJSONValue(nil, m),
			}
		}
		f.Patterns[pattern] = out
	}
	if len(f.Patterns) == 0 {
		return nil
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("aggregate: encode maps: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("aggregate: save maps: %w", err)
	}
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("aggregate: save maps: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("aggregate: save maps: %w", err)
	}
	return nil
}

// loadMaps reads a file saved at the last stop into ps and removes it,
// as Logstash does. A missing file is not an error.
func loadMaps(path string, ps *pipelineState) (int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read aggregate_maps_path: %w", err)
	}
	var f savedFile
	if err := json.Unmarshal(data, &f); err != nil {
		return 0, fmt.Errorf("aggregate_maps_path %s: not a file of saved aggregate maps: %w", path, err)
	}
	n := 0
	for pattern, tasks := range f.Patterns {
		s := ps.storeFor(pattern)
		for id, se := range tasks {
			v, err := event.DecodeJSONValue(se.Map)
			if err != nil {
				return n, fmt.Errorf("aggregate_maps_path %s: task %q: %w", path, id, err)
			}
			mv, ok := v.(map[string]any)
			if !ok {
				return n, fmt.Errorf("aggregate_maps_path %s: task %q: map is not an object", path, id)
			}
			d, _ := scripting.ToDict(mv)
			s.maps[id] = &element{createdRef: se.CreatedRef, lastRef: se.LastRef,
				createdWall: se.CreatedWall, lastWall: se.LastWall, m: d}
			n++
		}
	}
	if err := os.Remove(path); err != nil {
		return n, fmt.Errorf("remove aggregate_maps_path after loading: %w", err)
	}
	return n, nil
}
