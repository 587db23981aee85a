package beats

import (
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin/plugintest"
)

// TestConnectionMetadataIsPerEvent: the events of one connection share its
// metadata (an event.Patch) until one changes it; a change to one event's
// [@metadata][input][beats][host][ip], however made, must leave the
// others as they were.
func TestConnectionMetadataIsPerEvent(t *testing.T) {
	for _, ecs := range []string{"v8", "disabled"} {
		t.Run(ecs, func(t *testing.T) {
			in := build(t, ecs, "host", "127.0.0.1", "port", 0)
			q := plugintest.NewQueue()
			addr, _ := start(t, in, q)
			syncSend(t, addr, docs(0, 4), 4)
			evs := q.Wait(t, 4, 5*time.Second)
			ipRef := "[@metadata][input][beats][host][ip]"
			if ecs == "disabled" {
				ipRef = "[@metadata][ip_address]"
			}
			if err := evs[0].SetField(ipRef, "changed"); err != nil {
				t.Fatal(err)
			}
			evs[1].Metadata()["beat"] = "changed"
			if ecs == "v8" {
				evs[1].Metadata()["input"].(map[string]any)["beats"].(map[string]any)["host"].(map[string]any)["ip"] = "changed too"
			} else {
				evs[1].Metadata()["ip_address"] = "changed too"
			}
			evs[2].RemoveField("[@metadata]")
			if got := get(evs[0], ipRef); got != "changed" {
				t.Errorf("event 0: %s = %v, want changed", ipRef, got)
			}
			if got := get(evs[1], ipRef); got != "changed too" {
				t.Errorf("event 1: %s = %v, want changed too", ipRef, got)
			}
			if got := get(evs[2], ipRef); got != nil {
				t.Errorf("event 2: %s = %v after removing [@metadata]", ipRef, got)
			}
			if got := get(evs[3], ipRef); got != "127.0.0.1" {
				t.Errorf("event 3: %s = %v, want 127.0.0.1", ipRef, got)
			}
			if got := get(evs[3], "[@metadata][beat]"); got != "filebeat" {
				t.Errorf("event 3: [@metadata][beat] = %v, want filebeat", got)
			}
		})
	}
}
