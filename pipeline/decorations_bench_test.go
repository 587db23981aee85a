package pipeline

import (
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// BenchmarkDecorationsConstantAddField applies the add_field of the input
// `sluice ship` makes for a filestream input: seven constant fields in
// four objects.
func BenchmarkDecorationsConstantAddField(b *testing.B) {
	c := &plugin.Common{AddField: plugin.Hash{
		{Key: "[agent][type]", Value: "filebeat"},
		{Key: "[agent][name]", Value: "bench"},
		{Key: "[agent][version]", Value: "0.1.0-dev"},
		{Key: "[ecs][version]", Value: "8.0.0"},
		{Key: "[input][type]", Value: "filestream"},
		{Key: "[@metadata][beat]", Value: "filebeat"},
		{Key: "[@metadata][version]", Value: "0.1.0-dev"},
	}}
	d, err := compileDecorations(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		e := event.NewMessage("83.149.9.216 - - [17/May/2015:10:05:03 +0000] \"GET / HTTP/1.1\" 200 203023")
		d.apply(e)
	}
}
