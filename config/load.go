package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Load reads the pipeline from paths (as `-f` / path.config), with the
// default options. See ParseOptions.Load.
func Load(paths []string) (*Pipeline, error) {
	return ParseOptions{}.Load(paths)
}

// Load reads the pipeline from paths. Each path is
//
//   - a file;
//   - a directory: the regular files directly in it (not in
//     subdirectories) whose names end in .conf, except hidden ones (names
//     starting with '.'). Logstash reads every file of the directory
//     (`dir/*`), so a stray `pipeline.conf.bak` runs as well; Sluice
//     does not;
//   - a glob: *, ?, [...] and {a,b} as in Logstash (Ruby's Dir.glob), and **
//     for any number of directories; wildcards do not match names starting
//     with '.'. Directories matched by a glob are skipped, not descended.
//
// All the files found are sorted by path (lexical byte order, as Logstash
// sorts them), duplicates dropped, and each is parsed on its own, as
// Logstash compiles each file separately: a section cannot start in one file
// and end in another. Their sections are appended in that order.
//
// A path that matches no file is an error. The error of a file that does not
// parse is a *Error naming the file.
func (o ParseOptions) Load(paths []string) (*Pipeline, error) {
	if len(paths) == 0 {
		return nil, errors.New("config: no configuration path given")
	}
	var files []string
	for _, p := range paths {
		found, err := expandPath(p)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("config: no configuration file found at %s", p)
		}
		files = append(files, found...)
	}
	slices.Sort(files)
	files = slices.Compact(files)

	pl := &Pipeline{Sources: map[string][]byte{}, SupportEscapes: o.SupportEscapes}
	for _, f := range files {
		src, err := o.readFile(f)
		if err != nil {
			return nil, err
		}
		one, err := o.Parse(f, src)
		if err != nil {
			return nil, err
		}
		pl.Sections = append(pl.Sections, one.Sections...)
		pl.Warnings = append(pl.Warnings, one.Warnings...)
		pl.Sources[f] = src
	}
	return pl, nil
}

// readFile reads a configuration file, refusing one over the size limit
// before reading it all.
func (o ParseOptions) readFile(name string) ([]byte, error) {
	limit := o.MaxSize
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", name, err)
	}
	if len(src) > limit {
		return nil, fmt.Errorf("config: %s is too large (more than %d bytes)", name, limit)
	}
	return src, nil
}

// expandPath lists the configuration files named by one path.
func expandPath(p string) ([]string, error) {
	if !hasMeta(p) {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if !st.IsDir() {
			return []string{p}, nil
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		var files []string
		for _, e := range entries {
			name := filepath.Join(p, e.Name())
			// Only *.conf: Logstash reads every file of the directory, so a
			// stray backup (pipeline.conf.bak, .orig, .rpmsave) runs too.
			if !strings.HasSuffix(name, ".conf") || !isConfigFile(name) {
				continue
			}
			files = append(files, name)
		}
		return files, nil
	}
	var files []string
	for _, pat := range expandBraces(p) {
		matches, err := glob(pat)
		if err != nil {
			return nil, fmt.Errorf("config: bad pattern %s: %w", p, err)
		}
		for _, m := range matches {
			if isConfigFile(m) {
				files = append(files, m)
			}
		}
	}
	return files, nil
}

// isConfigFile reports whether name is a regular file (following links)
// that is neither hidden nor an editor backup.
func isConfigFile(name string) bool {
	base := filepath.Base(name)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") {
		return false
	}
	st, err := os.Stat(name)
	return err == nil && st.Mode().IsRegular()
}

func hasMeta(p string) bool { return strings.ContainsAny(p, "*?[{") }

// expandBraces expands {a,b} alternatives, nested ones included.
func expandBraces(p string) []string {
	depth, open := 0, -1
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
			}
			depth++
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth > 0 {
				continue
			}
			var alts []string
			d, last := 0, open+1
			for j := open + 1; j < i; j++ {
				switch p[j] {
				case '{':
					d++
				case '}':
					d--
				case ',':
					if d == 0 {
						alts = append(alts, p[last:j])
						last = j + 1
					}
				}
			}
			alts = append(alts, p[last:i])
			var out []string
			for _, a := range alts {
				out = append(out, expandBraces(p[:open]+a+p[i+1:])...)
			}
			return out
		}
	}
	return []string{p}
}

// glob matches a pattern component by component; ** matches any number of
// directories, and wildcards never match a leading '.'.
func glob(pattern string) ([]string, error) {
	pattern = filepath.Clean(pattern)
	root := ""
	if filepath.IsAbs(pattern) {
		root = string(filepath.Separator)
		if v := filepath.VolumeName(pattern); v != "" {
			root = v + string(filepath.Separator)
		}
		pattern = strings.TrimPrefix(pattern[len(filepath.VolumeName(pattern)):], string(filepath.Separator))
	}
	parts := strings.Split(pattern, string(filepath.Separator))
	var out []string
	err := globFrom(root, parts, &out)
	return out, err
}

func globFrom(dir string, parts []string, out *[]string) error {
	if len(parts) == 0 {
		*out = append(*out, filepath.Clean(dir))
		return nil
	}
	part := parts[0]
	join := func(name string) string {
		if dir == "" {
			return name
		}
		return filepath.Join(dir, name)
	}
	if !hasMeta(part) {
		next := join(part)
		if len(parts) > 1 {
			if st, err := os.Stat(next); err != nil || !st.IsDir() {
				return nil
			}
		} else if _, err := os.Lstat(next); err != nil {
			return nil
		}
		return globFrom(next, parts[1:], out)
	}
	listDir := dir
	if listDir == "" {
		listDir = "."
	}
	entries, err := os.ReadDir(listDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil
		}
		return err
	}
	if part == "**" {
		// Zero directories...
		if err := globFrom(dir, parts[1:], out); err != nil {
			return err
		}
		// ...or one more, then ** again.
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || !e.IsDir() {
				continue
			}
			if err := globFrom(join(e.Name()), parts, out); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(part, ".") {
			continue
		}
		ok, err := filepath.Match(part, name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if len(parts) > 1 {
			if st, err := os.Stat(join(name)); err != nil || !st.IsDir() {
				continue
			}
		}
		if err := globFrom(join(name), parts[1:], out); err != nil {
			return err
		}
	}
	return nil
}
