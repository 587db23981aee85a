package shipper

import (
	"testing"

	"github.com/fsnotify/fsnotify"
)

func TestRenamedFrom(t *testing.T) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		t.Skip(err)
	}
	defer w.Close()
	dir := t.TempDir()
	if err := w.Add(dir); err != nil {
		t.Fatal(err)
	}
	appendFile(t, dir+"/a \"x\".log", "l\n")
	if err := renameFile(dir+"/a \"x\".log", dir+"/a.log.1"); err != nil {
		t.Fatal(err)
	}
	for ev := range w.Events {
		if ev.Has(fsnotify.Create) && ev.Name == dir+"/a.log.1" {
			if got := renamedFrom(ev); got != dir+"/a \"x\".log" {
				t.Fatalf("renamedFrom = %q (event %s)", got, ev)
			}
			return
		}
	}
}
