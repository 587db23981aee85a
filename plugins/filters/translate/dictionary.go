package translate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// maxFile bounds a dictionary file (Logstash's YAML code point limit).
const maxFile = 128 << 20

// entry is one dictionary item, in the order of its source.
type entry struct {
	key   string
	value any
	re    *regexp.Regexp // with regex
}

// dict is a loaded dictionary: read-only once built.
type dict struct {
	entries []entry
	index   map[string]int // key => position in entries
	union   *regexp.Regexp // exact => false: all keys as one expression
}

func newDict(entries []entry, regex, exact bool) (*dict, error) {
	d := &dict{index: make(map[string]int, len(entries))}
	for _, e := range entries {
		if i, ok := d.index[e.key]; ok {
			d.entries[i].value = e.value
			continue
		}
		if regex {
			re, err := regexp.Compile(e.key)
			if err != nil {
				return nil, fmt.Errorf("dictionary key %q: %w", e.key, err)
			}
			e.re = re
		}
		d.index[e.key] = len(d.entries)
		d.entries = append(d.entries, e)
	}
	if !exact && len(d.entries) > 0 {
		parts := make([]string, len(d.entries))
		for i, e := range d.entries {
			if regex {
				parts[i] = "(?:" + e.key + ")"
			} else {
				parts[i] = regexp.QuoteMeta(e.key)
			}
		}
		re, err := regexp.Compile(strings.Join(parts, "|"))
		if err != nil {
			return nil, fmt.Errorf("dictionary keys: %w", err)
		}
		d.union = re
	}
	return d, nil
}

// merge returns the entries of old updated and extended by next.
func merge(old *dict, next []entry) []entry {
	if old == nil {
		return next
	}
	out := make([]entry, 0, len(old.entries)+len(next))
	for _, e := range old.entries {
		out = append(out, entry{key: e.key, value: e.value})
	}
	return append(out, next...)
}

func fromHash(h plugin.Hash) []entry {
	out := make([]entry, 0, len(h))
	for _, e := range h {
		out = append(out, entry{key: e.Key, value: hashValue(e.Value)})
	}
	return out
}

func hashValue(v any) any {
	switch x := v.(type) {
	case plugin.Hash:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = hashValue(e.Value)
		}
		return m
	case []any:
		for i := range x {
			x[i] = hashValue(x[i])
		}
	}
	return v
}

// readFile reads a YAML, JSON or CSV dictionary, chosen by extension.
func readFile(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	var entries []entry
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml":
		entries, err = parseYAML(data)
	case ".json":
		entries, err = parseJSON(data)
	case ".csv":
		entries, err = parseCSV(data)
	default:
		return nil, fmt.Errorf("%s: unknown dictionary format: the name must end in .yml, .yaml, .json or .csv", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

func parseYAML(data []byte) ([]entry, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 { // empty file
		return nil, nil
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("the dictionary must be a mapping of keys to values")
	}
	out := make([]entry, 0, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		var v any
		if err := root.Content[i+1].Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", root.Content[i+1].Line, err)
		}
		out = append(out, entry{key: root.Content[i].Value, value: yamlValue(v)})
	}
	return out, nil
}

func yamlValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = yamlValue(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = yamlValue(e)
		}
		return m
	case []any:
		for i := range x {
			x[i] = yamlValue(x[i])
		}
		return x
	}
	return event.Normalize(v)
}

func parseJSON(data []byte) ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the dictionary must be a JSON object")
	}
	var out []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("value of %q: %w", key, err)
		}
		out = append(out, entry{key: key, value: jsonValue(v)})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
	case []any:
		for i := range x {
			x[i] = jsonValue(x[i])
		}
	}
	return v
}

func parseCSV(data []byte) ([]entry, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	var out []entry
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) != 2 {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("line %d: expected 2 columns (key, translation), got %d", line, len(rec))
		}
		out = append(out, entry{key: rec[0], value: rec[1]})
	}
}
