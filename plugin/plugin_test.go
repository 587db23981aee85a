package plugin_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// every declares one setting of each type.
type every struct {
	S      string
	I      int
	F      float64
	D      time.Duration
	B      bool
	L      []string
	A      []any
	H      plugin.Hash
	R      event.Ref
	N      int64
	E      string
	Req    string
	Any    any
	C      plugin.Codec
	inited bool
}

func (e *every) Settings(s *plugin.Settings) {
	s.String(&e.S, "s", "a string").Default("dflt")
	s.Int(&e.I, "i", "an int").Default(7)
	s.Float(&e.F, "f", "a float").Default(1.5)
	s.Seconds(&e.D, "d", "seconds").Default(2 * time.Second)
	s.Bool(&e.B, "b", "a bool").Default(true)
	s.Strings(&e.L, "l", "strings").Default([]string{"x"})
	s.Array(&e.A, "a", "array")
	s.Hash(&e.H, "h", "hash")
	s.FieldRef(&e.R, "r", "ref").Default("[a][b]")
	s.Bytes(&e.N, "n", "bytes").Default(int64(1024))
	s.String(&e.E, "e", "enum").Enum("one", "two").Default("one")
	s.String(&e.Req, "req", "required").Required()
	s.Any(&e.Any, "any", "anything")
	s.Codec(&e.C, "codec", "codec").Default("fake")
}

func (e *every) Init(*plugin.Context) error { e.inited = true; return nil }

type fakeCodec struct{ Prefix string }

func (c *fakeCodec) Settings(s *plugin.Settings)                     { s.String(&c.Prefix, "prefix", "prefix").Default("") }
func (c *fakeCodec) NewDecoder(plugin.DecoderOptions) plugin.Decoder { return nil }
func (c *fakeCodec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	return append(dst, c.Prefix...), nil
}

type noopInput struct{}

func (noopInput) Settings(*plugin.Settings)               {}
func (noopInput) Run(context.Context, plugin.Queue) error { return nil }

func registry() *plugin.Registry {
	r := plugin.NewRegistry()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "every", New: func() plugin.Plugin { return &every{} }})
	r.Register(plugin.Spec{Kind: plugin.KindCodec, Name: "fake", New: func() plugin.Plugin { return &fakeCodec{} }})
	return r
}

func build(t *testing.T, settings string) (*every, error) {
	t.Helper()
	src := "input { every { " + settings + " } }"
	cfg, err := config.ParseString("t.conf", src)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	in, err := registry().Build(plugin.KindInput, cfg.Sections[0].Body[0].(*config.Plugin), &plugin.BuildEnv{
		Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	return in.Plugin.(*every), nil
}

func TestDefaultsApplyAndInitRuns(t *testing.T) {
	e, err := build(t, `req => "r"`)
	if err != nil {
		t.Fatal(err)
	}
	if e.S != "dflt" || e.I != 7 || e.F != 1.5 || e.D != 2*time.Second || !e.B || len(e.L) != 1 || e.L[0] != "x" ||
		e.R.String() != "[a][b]" || e.N != 1024 || e.E != "one" {
		t.Errorf("defaults not applied: %+v", e)
	}
	if e.C == nil {
		t.Error("default codec not built")
	}
	if !e.inited {
		t.Error("Init not called")
	}
}

func TestValuesOfEveryType(t *testing.T) {
	e, err := build(t, `req => rr s => 12 i => "42" f => 3 d => 0.5 b => "false" l => "one" a => [1, "x", [2]]
		h => { "k" => "v" "n" => 1 } r => "[x][0]" n => "20MiB" e => two any => { aa => [1] }
		codec => fake { prefix => ">" }`)
	if err != nil {
		t.Fatal(err)
	}
	if e.S != "12" || e.I != 42 || e.F != 3 || e.D != 500*time.Millisecond || e.B {
		t.Errorf("scalars: %+v", e)
	}
	if len(e.L) != 1 || e.L[0] != "one" {
		t.Errorf("a single value is an array of one: %v", e.L)
	}
	if len(e.A) != 3 || e.A[0] != int64(1) || e.A[1] != "x" {
		t.Errorf("array: %#v", e.A)
	}
	if len(e.H) != 2 || e.H[0].Key != "k" || e.H[0].Value != "v" || e.H[1].Value != int64(1) {
		t.Errorf("hash keeps order and types: %#v", e.H)
	}
	if e.R.String() != "[x][0]" || e.N != 20<<20 || e.E != "two" {
		t.Errorf("ref/bytes/enum: %v %d %q", e.R, e.N, e.E)
	}
	if out, _ := e.C.Encode(nil, event.New()); string(out) != ">" {
		t.Errorf("codec settings not applied: %q", out)
	}
}

func TestHashFromEvenArray(t *testing.T) {
	e, err := build(t, `req => rr h => ["a", "1", "b", "2"]`)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.H) != 2 || e.H[1].Key != "b" || e.H[1].Value != "2" {
		t.Errorf("hash from pairs: %#v", e.H)
	}
}

func TestRepeatedSettingsMergeAsLogstash(t *testing.T) {
	e, err := build(t, `req => rr req => rr l => ["a"] l => ["b", "c"] h => { "x" => "1" } h => { "y" => "2" }`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.L, ",") != "a,b,c" {
		t.Errorf("arrays concatenated: %v", e.L)
	}
	if len(e.H) != 2 {
		t.Errorf("hashes merged: %v", e.H)
	}
	// Two different values for a single-valued setting: a type error.
	if _, err := build(t, `req => rr s => "a" s => "b"`); err == nil || !strings.Contains(err.Error(), `setting "s"`) {
		t.Errorf("err = %v, want a type error for s", err)
	}
}

func TestSettingErrors(t *testing.T) {
	cases := []struct{ settings, want string }{
		{``, `every: missing required setting "req"`},
		{`req => rr i => 1.5`, `setting "i" of every: expected an integer, got number 1.5`},
		{`req => rr i => "lots"`, `setting "i" of every: expected a number, got string "lots"`},
		{`req => rr b => yes`, `setting "b" of every: expected true or false, got bareword yes`},
		{`req => rr d => -1`, `expected a duration in seconds (>= 0)`},
		{`req => rr h => ["a"]`, `expected a hash, got an array with an odd number of items`},
		{`req => rr n => "lots"`, `expected a byte size such as "10MiB", got "lots"`},
		{`req => rr r => "[a"`, `setting "r" of every: invalid field reference`},
		{`req => rr e => three`, `setting "e" of every: "three" is not one of one, two`},
		{`req => rr codec => nope`, `unknown codec plugin "nope"`},
		{`req => rr codec => fake { prefx => "x" }`, `unknown setting "prefx" for fake; did you mean "prefix"?`},
		{`req => rr strng => xx`, `unknown setting "strng" for every`},
		{`req => rr s => [1, 2]`, `setting "s" of every: expected a string, got an array`},
	}
	for _, tc := range cases {
		_, err := build(t, tc.settings)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v\nwant it to contain %s", tc.settings, err, tc.want)
		}
		if err != nil && !strings.Contains(err.Error(), "t.conf:1:") {
			t.Errorf("%s: error has no position: %v", tc.settings, err)
		}
	}
}

func TestRegistryRejectsDuplicatesAndBadDefaults(t *testing.T) {
	r := registry()
	mustPanic(t, "duplicate name", func() {
		r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "every", New: func() plugin.Plugin { return noopInput{} }})
	})
	// The same name in another kind is fine.
	r.Register(plugin.Spec{Kind: plugin.KindOutput, Name: "every", New: func() plugin.Plugin { return noopInput{} }})
	mustPanic(t, "setting declared twice", func() {
		s := &plugin.Settings{}
		var a, b string
		s.String(&a, "x", "")
		s.String(&b, "x", "")
	})
	mustPanic(t, "default of the wrong type", func() {
		var n int
		s := &plugin.Settings{}
		st := s.Int(&n, "n", "").Default("seven")
		_ = st
		spec := &plugin.Spec{Kind: plugin.KindInput, Name: "bad", New: func() plugin.Plugin { return badDefault{} }}
		r := plugin.NewRegistry()
		r.Register(*spec)
		cfg, _ := config.ParseString("t.conf", "input { bad { } }")
		_, _ = r.Build(plugin.KindInput, cfg.Sections[0].Body[0].(*config.Plugin), &plugin.BuildEnv{Config: cfg})
	})
}

type badDefault struct{}

func (badDefault) Settings(s *plugin.Settings) {
	var n int
	s.Int(&n, "n", "").Default("seven")
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", what)
		}
	}()
	f()
}

// picker builds codecs by name at Init, as the http input's
// additional_codecs does.
type picker struct {
	Names []string
	built []plugin.Codec
}

func (p *picker) Settings(s *plugin.Settings) {
	s.Strings(&p.Names, "names", "codec names").Default([]string{})
}

func (p *picker) Init(ctx *plugin.Context) error {
	for _, n := range p.Names {
		c, err := ctx.BuildCodec(n)
		if err != nil {
			return err
		}
		p.built = append(p.built, c)
	}
	return nil
}

func (p *picker) Run(context.Context, plugin.Queue) error { return nil }

func TestContextBuildCodec(t *testing.T) {
	r := registry()
	r.Register(plugin.Spec{Kind: plugin.KindInput, Name: "picker", New: func() plugin.Plugin { return &picker{} }})
	buildPicker := func(names string) (*plugin.Instance, error) {
		src := "input { picker { names => [" + names + "] } }"
		cfg, err := config.ParseString("t.conf", src)
		if err != nil {
			t.Fatal(err)
		}
		return r.Build(plugin.KindInput, cfg.Sections[0].Body[0].(*config.Plugin), &plugin.BuildEnv{
			Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	}
	in, err := buildPicker(`"fake", "fake"`)
	if err != nil {
		t.Fatal(err)
	}
	p := in.Plugin.(*picker)
	if len(p.built) != 2 || p.built[0] == p.built[1] {
		t.Fatalf("built %v, want two distinct codecs", p.built)
	}
	if len(in.Codecs) != 2 {
		t.Errorf("%d codec instances recorded for closing, want 2", len(in.Codecs))
	}
	_, err = buildPicker(`"fkae"`)
	if err == nil || !strings.Contains(err.Error(), `unknown codec plugin "fkae"`) || !strings.Contains(err.Error(), `did you mean "fake"`) {
		t.Fatalf("error %v, want an unknown codec with a suggestion", err)
	}
	if strings.Count(err.Error(), "t.conf:") != 1 {
		t.Errorf("error should carry one position: %v", err)
	}
	var ctx plugin.Context
	if _, err := ctx.BuildCodec("fake"); err == nil {
		t.Error("BuildCodec outside Build should fail")
	}
}

func TestLogstashPluginsSluiceLacksAreNamedAsSuch(t *testing.T) {
	r := registry()
	cases := []struct{ src, want string }{
		{"filter { ruby { code => 'x' } }", `t.conf:1:10: unknown filter plugin "ruby": the ruby filter cannot run in Sluice`},
		{"filter { ruby { code => 'x' } }", `becomes script { code => "if event.get('ms') > 500: event.tag('slow')" }`},
		{"filter { geoip { source => ip } }", `unknown filter plugin "geoip": Logstash's geoip filter is not available in Sluice yet`},
		{"output { kafka { } }", `Logstash's kafka output is not available in Sluice yet`},
		{"input { evry { } }", `unknown input plugin "evry"; did you mean "every"?`},
	}
	for _, tc := range cases {
		cfg, err := config.ParseString("t.conf", tc.src)
		if err != nil {
			t.Fatal(err)
		}
		kind := map[string]plugin.Kind{"input": plugin.KindInput, "filter": plugin.KindFilter, "output": plugin.KindOutput}[cfg.Sections[0].Kind]
		_, err = r.Build(kind, cfg.Sections[0].Body[0].(*config.Plugin), &plugin.BuildEnv{Config: cfg})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v\nwant %s", tc.src, err, tc.want)
		}
	}
}
