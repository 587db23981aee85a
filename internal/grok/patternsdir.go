package grok

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// LoadPatternsDirs reads the pattern definitions of the files matching
// glob ("*" when empty) in each of dirs, as grok's patterns_dir and
// patterns_files_glob: files in name order, later definitions replacing
// earlier ones. Directories among the matches are skipped.
func LoadPatternsDirs(dirs []string, glob string) (map[string]string, error) {
	if glob == "" {
		glob = "*"
	}
	out := map[string]string{}
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("patterns_dir: %w", err)
		}
		paths, err := filepath.Glob(filepath.Join(dir, glob))
		if err != nil {
			return nil, fmt.Errorf("patterns_files_glob %q: %w", glob, err)
		}
		sort.Strings(paths)
		for _, path := range paths {
			if st, err := os.Stat(path); err != nil || st.IsDir() {
				continue
			}
			fh, err := os.Open(path)
			if err != nil {
				return nil, fmt.Errorf("patterns_dir: %w", err)
			}
			defs, err := ParseDefinitions(fh)
			fh.Close()
			if err != nil {
				return nil, fmt.Errorf("patterns file %s: %w", path, err)
			}
			for k, v := range defs {
				out[k] = v
			}
		}
	}
	return out, nil
}
