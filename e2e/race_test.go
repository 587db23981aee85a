//go:build race && linux

package e2e

func init() { raceEnabled = true }
