package event

import (
	"fmt"
	"time"
)

// ParseTimestamp parses the ISO-8601 timestamps Sluice accepts on input.
// (The full set of accepted shapes is documented in docs/events.md.)
func ParseTimestamp(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}
