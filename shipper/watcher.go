package shipper

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// watcher turns inotify events on the watched directories into wake-ups
// of harvesters and scans. Polling (stat_interval, discover_interval)
// still runs: notifications only make reactions faster.
type watcher struct {
	s     *Shipper
	w     *fsnotify.Watcher
	dirs  map[string]bool
	added chan []string
}

func newWatcher(s *Shipper) (*watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	return &watcher{s: s, w: w, dirs: map[string]bool{}, added: make(chan []string, 1)}, nil
}

// watchDirs asks the watcher to watch dirs too (called by the scanner).
func (w *watcher) watchDirs(dirs []string) {
	select {
	case w.added <- dirs:
	default:
		// The watcher has not taken the previous list yet; the next scan
		// sends again.
	}
}

func (w *watcher) run(ctx context.Context) {
	defer w.w.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case dirs := <-w.added:
			for _, d := range dirs {
				if w.dirs[d] {
					continue
				}
				if err := w.w.Add(d); err != nil {
					w.s.log.Debug("cannot watch directory; polling it", "dir", d, "error", err)
					continue
				}
				w.dirs[d] = true
			}
		case ev, ok := <-w.w.Events:
			if !ok {
				return
			}
			path := filepath.Clean(ev.Name)
			switch {
			case ev.Has(fsnotify.Create):
				w.s.notified(ctx, path, true)
				if from := renamedFrom(ev); from != "" {
					w.s.followRename(ctx, filepath.Clean(from), path)
				}
			case ev.Has(fsnotify.Write):
				w.s.notified(ctx, path, false)
			case ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove):
				w.s.wakePath(path)
				w.s.wakeScan()
			}
		case err, ok := <-w.w.Errors:
			if !ok {
				return
			}
			w.s.log.Debug("file notifications", "error", err)
			w.s.wakeScan()
		}
	}
}

// renamedFrom returns the old name of a file renamed within a watched
// directory (fsnotify reports it on the Create of the new name, visible
// only in the event's text: `CREATE "new" ← "old"`).
func renamedFrom(ev fsnotify.Event) string {
	s := ev.String()
	i := strings.LastIndex(s, " ← ")
	if i < 0 {
		return ""
	}
	from, err := strconv.Unquote(s[i+len(" ← "):])
	if err != nil {
		return ""
	}
	return from
}
