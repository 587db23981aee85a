package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"port", "host", "codec", "ssl_enabled", "pipeline.workers"}
	cases := map[string]string{
		"prot":             "port",
		"hots":             "host",
		"codek":            "codec",
		"ssl_enable":       "ssl_enabled",
		"pipeline.worker":  "pipeline.workers",
		"completely_other": "",
	}
	for in, want := range cases {
		if got := Closest(in, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
}
