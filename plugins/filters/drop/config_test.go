package drop_test

import (
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	"github.com/sluicelog/sluice/plugins/filters/drop"
)

func TestConfig(t *testing.T) {
	in := plugintest.Build(t, plugin.KindFilter, `drop { }`)
	f := in.Plugin.(*drop.Filter)
	if f.Percentage != 100 {
		t.Errorf("default percentage = %v", f.Percentage)
	}
	e := event.NewMessage("x")
	if !f.Filter(e, nil) || !e.Cancelled() {
		t.Error("drop {} did not drop")
	}
	in = plugintest.Build(t, plugin.KindFilter, `drop { percentage => 0 }`)
	e = event.NewMessage("x")
	if in.Plugin.(plugin.Filter).Filter(e, nil) || e.Cancelled() {
		t.Error("percentage 0 dropped")
	}
	if _, err := plugintest.BuildErr(plugin.KindFilter, `drop { percentage => 150 }`); err == nil || !strings.Contains(err.Error(), "between 0 and 100") {
		t.Errorf("percentage 150: %v", err)
	}
}
