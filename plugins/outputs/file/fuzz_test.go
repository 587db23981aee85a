package file

import (
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCheckPath checks that whatever a field holds, the path used is the
// failure file or a clean path strictly inside the file root.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"a.log", "../x", "a/../../b", "a\x00b", "/etc/passwd", "..", ".", "a/./b//c", "", "....//x"} {
		f.Add(s)
	}
	o := &Output{logger: slog.New(slog.NewTextHandler(io.Discard, nil)), root: "/srv/logs"}
	o.failurePath = filepath.Join(o.root, "_filepath_failures")
	f.Fuzz(func(t *testing.T, field string) {
		p := o.checkPath(o.root + "/app-" + field)
		if p == o.failurePath {
			return
		}
		if !strings.HasPrefix(p, o.root+"/") || filepath.Clean(p) != p || strings.ContainsRune(p, 0) {
			t.Fatalf("field %q gave path %q outside %s", field, p, o.root)
		}
		rel, err := filepath.Rel(o.root, p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			t.Fatalf("field %q gave path %q outside %s", field, p, o.root)
		}
	})
}
