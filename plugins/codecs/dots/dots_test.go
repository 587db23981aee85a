package dots

import (
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func TestEncode(t *testing.T) {
	c := plugintest.Build(t, plugin.KindCodec, `dots`).Plugin.(plugin.Codec)
	var out []byte
	for range 3 {
		var err error
		if out, err = c.Encode(out, event.NewMessage("x")); err != nil {
			t.Fatal(err)
		}
	}
	if string(out) != "..." {
		t.Errorf("got %q", out)
	}
}

func TestDecodeReadsLines(t *testing.T) {
	c := plugintest.Build(t, plugin.KindCodec, `dots`).Plugin.(plugin.Codec)
	var got []string
	plugin.DecodeMessage(c.NewDecoder(plugin.DecoderOptions{}), []byte("a\r\nb"), func(e *event.Event) { got = append(got, e.Message()) })
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("got %q", got)
	}
}
