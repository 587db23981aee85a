//go:build !unix

package dlq

import "os"

// lockDir does not lock on this system.
func lockDir(string) (*os.File, error) { return nil, nil }
