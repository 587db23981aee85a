package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/sluicelog/sluice/internal/docgen"
	"github.com/sluicelog/sluice/plugin"
)

// docs writes the plugin reference into a directory.
func docs(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: sluice docs DIR")
		return 2
	}
	dir := args[0]
	for rel, content := range docgen.Generate(plugin.Default) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintln(stderr, "sluice docs:", err)
			return 1
		}
		if err := os.WriteFile(p, append(content, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "sluice docs:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "plugin reference written to %s\n", dir)
	return 0
}
