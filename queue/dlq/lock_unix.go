//go:build unix

package dlq

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir/.lock so that two processes do
// not write one queue. The lock goes with the process (also at a crash).
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dead letter queue: lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("dead letter queue %s is in use by another writer (another Sluice with the same pipeline id and path.dead_letter_queue?)", dir)
		}
		return nil, fmt.Errorf("dead letter queue: lock %s: %w", path, err)
	}
	return f, nil
}
