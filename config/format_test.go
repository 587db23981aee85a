package config

import "testing"

func TestWritable(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{`plain`, true},
		{`C:\logs\app.log`, true},
		{`ends in \`, false},
		{`ends in two \\`, false},
		{`say "hi"`, true},
	} {
		p := &Pipeline{Sections: []*Section{{Kind: "filter", Body: []Statement{&Plugin{Name: "mutate",
			Attrs: []*Attr{{Name: "add_tag", Value: &String{Value: tc.value}}}}}}}}
		if got := Writable(p); got != tc.want {
			t.Errorf("Writable with %q = %v, want %v", tc.value, got, tc.want)
		}
		if !tc.want {
			continue
		}
		back, err := Parse("printed", Format(p))
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		if got := back.Sections[0].Body[0].(*Plugin).Attrs[0].Value.(*String).Value; got != tc.value {
			t.Errorf("%q read back as %q", tc.value, got)
		}
	}
}
