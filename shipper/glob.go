package shipper

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxGlobDepth bounds how deep `**` descends.
const maxGlobDepth = 32

// hasMeta reports whether s has glob special characters.
func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

// staticPrefix returns the longest leading directory of pattern without
// glob characters (the directory to watch for it).
func staticPrefix(pattern string) string {
	segs := strings.Split(filepath.ToSlash(pattern), "/")
	var out []string
	for _, s := range segs[:len(segs)-1] {
		if hasMeta(s) {
			break
		}
		out = append(out, s)
	}
	p := strings.Join(out, "/")
	if p == "" {
		if strings.HasPrefix(pattern, "/") {
			return "/"
		}
		return "."
	}
	return filepath.FromSlash(p)
}

// ValidateGlob checks a pattern's syntax.
func ValidateGlob(pattern string) error {
	for _, seg := range strings.Split(filepath.ToSlash(pattern), "/") {
		if seg == "**" {
			continue
		}
		if _, err := filepath.Match(seg, ""); err != nil {
			return err
		}
	}
	return nil
}

// Glob returns the regular files (and symlinks to them) matching pattern.
// Besides filepath.Match's syntax, a path segment `**` matches any number
// of directories (zero included), as in Filebeat.
func Glob(pattern string) []string {
	if !strings.Contains(pattern, "**") {
		m, _ := filepath.Glob(pattern)
		return m
	}
	pattern = filepath.Clean(pattern)
	root := staticPrefix(pattern)
	var rest string
	if root == "." && !strings.HasPrefix(pattern, ".") {
		rest = filepath.ToSlash(pattern)
	} else {
		rest = strings.TrimPrefix(filepath.ToSlash(pattern), filepath.ToSlash(root))
		rest = strings.TrimPrefix(rest, "/")
	}
	pat := strings.Split(rest, "/")
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable directory: skipped, retried at the next scan
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil || rel == "." {
			return nil
		}
		segs := strings.Split(filepath.ToSlash(rel), "/")
		if d.IsDir() {
			if len(segs) > maxGlobDepth || !prefixCanMatch(pat, segs) {
				return filepath.SkipDir
			}
			return nil
		}
		if matchSegs(pat, segs) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// matchSegs matches path segments against pattern segments with `**`.
func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := filepath.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// prefixCanMatch reports whether a directory with these segments can hold
// a match.
func prefixCanMatch(pat, segs []string) bool {
	for i, s := range segs {
		if i >= len(pat) {
			return false
		}
		if pat[i] == "**" {
			return true
		}
		if ok, _ := filepath.Match(pat[i], s); !ok {
			return false
		}
	}
	return true
}

// isRegular reports whether fi (after following links) is a regular file.
func isRegular(fi os.FileInfo) bool { return fi.Mode().IsRegular() }
