package main

import (
	"fmt"
	"io"

	"github.com/sluicelog/sluice/internal/pipetest"
)

// test runs data-driven pipeline test cases (see internal/pipetest).
func test(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: sluice test DIR...   (a case directory: pipeline.conf, input or input.ndjson, expected.ndjson)")
		return 2
	}
	passed, failed := 0, 0
	for _, root := range args {
		cases, err := pipetest.Cases(root)
		if err != nil {
			fmt.Fprintln(stderr, "sluice test:", err)
			return 2
		}
		for _, dir := range cases {
			res := pipetest.Run(dir, nil)
			if res.Passed() {
				passed++
				fmt.Fprintf(stdout, "PASS %s\n", dir)
				continue
			}
			failed++
			fmt.Fprintf(stdout, "FAIL %s\n", dir)
			if res.Err != nil {
				fmt.Fprintf(stdout, "  %v\n", res.Err)
			}
			for _, d := range res.Diffs {
				fmt.Fprintf(stdout, "  %s\n", d)
			}
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
