package beats

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
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

// TestSharedDocumentsSameEvents: with the codec skipped, a connection
// decodes its documents with an event.JSONSharer; every event must be
// what decoding each document on its own makes, in each ECS mode and
// with add_hostname, and changing one event must not reach the next.
func TestSharedDocumentsSameEvents(t *testing.T) {
	for _, tc := range []struct {
		ecs string
		kv  []any
	}{
		{"v8", nil},
		{"disabled", nil},
		{"v8", []any{"add_hostname", true}},
		{"disabled", []any{"add_hostname", true, "include_codec_tag", false}},
	} {
		t.Run(fmt.Sprint(tc.ecs, tc.kv), func(t *testing.T) {
			in := build(t, tc.ecs, append([]any{"port", 0}, tc.kv...)...)
			if in.fast == fastNone {
				t.Fatal("the codec is not skipped: the sharer is not used")
			}
			shared := &conn{in: in, log: in.log, peerIP: "10.0.0.1", peerIPv: "10.0.0.1"}
			alone := &conn{in: in, log: in.log, peerIP: "10.0.0.1", peerIPv: "10.0.0.1"}
			for i, d := range docs(0, 40) {
				doc := d.(map[string]any)
				if i%7 == 3 {
					doc["agent"] = map[string]any{"name": fmt.Sprint("agent-", i/14)}
				}
				if i%11 == 5 {
					delete(doc, "host")
				}
				js, err := json.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				got := shared.fromJSON(js)
				m, err := event.DecodeJSON(js)
				if err != nil {
					t.Fatal(err)
				}
				want := alone.fromMap(m, nil)
				if a, b := eventState(got), eventState(want); a != b {
					t.Fatalf("doc %d:\ngot  %s\nwant %s", i, a, b)
				}
				_ = got.SetField("[agent][name]", "changed")
				_ = got.SetField("[@metadata][input][beats][host][ip]", "changed")
				got.Metadata()["beat"] = "changed"
			}
			if shared.sharer == nil {
				t.Error("no sharer was used")
			}
		})
	}
}

func eventState(e *event.Event) string {
	md, _ := e.GetField("[@metadata]")
	return string(e.AppendJSON(nil)) + " " + string(event.AppendJSONValue(nil, md))
}
