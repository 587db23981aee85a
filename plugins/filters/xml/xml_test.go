package xml

import (
	"reflect"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func build(t testing.TB, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, "xml { "+conf+" }").Plugin.(*Filter)
}

func run(t testing.TB, f *Filter, src any) (*event.Event, bool) {
	t.Helper()
	e := event.New()
	_ = e.Set(event.MustRef("xmldata"), src)
	ok := f.Filter(e, nil)
	return e, ok
}

type m = map[string]any
type a = []any

// The stored shape, as Logstash's xml filter (XmlSimple) gives it.
func TestStoreXML(t *testing.T) {
	tests := []struct {
		name, conf, in string
		want           any
	}{
		{"attributes", ``, `<foo key="value"/>`, m{"key": "value"}},
		{"repeated elements", ``, `<foo><key>value1</key><key>value2</key></foo>`, m{"key": a{"value1", "value2"}}},
		{"nested, forced arrays", ``, `<foo><key1><key2>value</key2></key1></foo>`, m{"key1": a{m{"key2": a{"value"}}}}},
		{"force_array default", ``, `<foo><bar>Content</bar></foo>`, m{"bar": a{"Content"}}},
		{"force_array false", `force_array => false`, `<foo><bar>Content</bar></foo>`, m{"bar": "Content"}},
		{"force_array false, repeated", `force_array => false`, `<foo><b>1</b><b>2</b></foo>`, m{"b": a{"1", "2"}}},
		{"empty element", ``, `<foo><key>value1</key><key></key></foo>`, m{"key": a{"value1", m{}}}},
		{"suppress_empty", `suppress_empty => true`, `<foo><key>value1</key><key></key></foo>`, m{"key": a{"value1"}}},
		{"suppress_empty: blank text", `suppress_empty => true`, `<foo><key>value1</key><key>  </key><e/></foo>`, m{"key": a{"value1"}}},
		{"suppress_empty keeps empties under a parent with attributes", `suppress_empty => true`,
			`<foo a="1"><key/></foo>`, m{"a": "1", "key": a{nil}}}, // as XmlSimple
		{"force_content false", `force_array => false force_content => false`, `<opt><x>text1</x><y a="2">text2</y></opt>`,
			m{"x": "text1", "y": m{"a": "2", "content": "text2"}}},
		{"force_content true", `force_array => false force_content => true`, `<opt><x>text1</x><y a="2">text2</y></opt>`,
			m{"x": m{"content": "text1"}, "y": m{"a": "2", "content": "text2"}}},
		{"attributes and children", ``, `<order id="7" status="new"><item sku="a1">2</item><item sku="b2">1</item><note/></order>`,
			m{"id": "7", "status": "new", "item": a{m{"sku": "a1", "content": "2"}, m{"sku": "b2", "content": "1"}}, "note": a{m{}}}},
		{"mixed content", ``, `<p>Hello <b>world</b> &amp; more</p>`,
			m{"b": a{"world"}, "content": a{"Hello ", " &amp; more"}}},
		{"mixed content, one text", ``, `<p><b>x</b> tail</p>`, m{"b": a{"x"}, "content": " tail"}},
		{"whitespace between elements is not content", ``, "<p>\n  <b>x</b>\n</p>", m{"b": a{"x"}}},
		{"text root", ``, `<msg>hello &lt;world&gt;</msg>`, "hello <world>"},
		{"CDATA", ``, `<msg><![CDATA[<not> & markup]]></msg>`, "<not> & markup"},
		{"element names lose their prefix, attributes keep it", ``,
			`<s:Envelope xmlns:s="urn:s"><s:Body xsi:type="t" xmlns:xsi="urn:x">b</s:Body></s:Envelope>`,
			m{"xmlns:s": "urn:s", "Body": a{m{"xsi:type": "t", "xmlns:xsi": "urn:x", "content": "b"}}}},
		{"attribute and element with the same name", ``, `<r id="1"><id>2</id></r>`, m{"id": a{"1", "2"}}},
		{"declaration, doctype and comments", ``,
			"<?xml version=\"1.0\"?>\n<!DOCTYPE r>\n<!-- c --><r><!-- inner --><a>1</a></r>\n", m{"a": a{"1"}}},
		{"unicode", ``, `<foo><key>Français</key></foo>`, m{"key": a{"Français"}}},
		{"single-string array source", ``, "", nil}, // handled below
	}
	for _, tt := range tests {
		if tt.in == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, `source => "xmldata" target => "data" `+tt.conf)
			e, ok := run(t, f, tt.in)
			if !ok {
				t.Fatalf("filter failed; tags %q", e.Tags())
			}
			got, _ := e.GetField("data")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("data =\n %#v\nwant\n %#v", got, tt.want)
			}
			if len(e.Tags()) != 0 {
				t.Errorf("tags %q", e.Tags())
			}
		})
	}
}

func TestSourceShapes(t *testing.T) {
	f := build(t, `source => "xmldata" target => "data"`)
	e, ok := run(t, f, []any{`<foo bar="baz"/>`})
	if got, _ := e.GetField("data"); !ok || !reflect.DeepEqual(got, m{"bar": "baz"}) {
		t.Errorf("one-string array: %v %#v", ok, got)
	}
	for _, src := range []any{[]any{`<foo/>`, "jojoba"}, []any{}, map[string]any{"foo": "bar"}, []any{map[string]any{"foo": "bar"}}, int64(5)} {
		e, ok := run(t, f, src)
		if ok || !e.HasTag(TagParseFailure) {
			t.Errorf("%#v: ok %v, tags %q", src, ok, e.Tags())
		}
		if _, has := e.GetField("data"); has {
			t.Errorf("%#v: data stored", src)
		}
	}
	// Missing and blank sources are left alone.
	e = event.New()
	if f.Filter(e, nil) || len(e.Tags()) != 0 {
		t.Error("missing source: not left alone")
	}
	if e, ok := run(t, f, "  \n"); ok || len(e.Tags()) != 0 {
		t.Error("blank source: not left alone")
	}
}

func TestParseFailures(t *testing.T) {
	for _, in := range []string{
		`<foo /`,
		`not xml at all`,
		`<a><b></a>`,         // mismatched: repaired for xpath, not stored
		`<a>`,                // unclosed
		`<a>&undefined;</a>`, // unknown entity (strict)
		`<a></a><b></b>`,     // two roots
		"<a>" + strings.Repeat("<b>", 600) + strings.Repeat("</b>", 600) + "</a>", // too deep
		`<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>`,                               // DTD entities are not expanded
	} {
		f := build(t, `source => "xmldata" target => "data"`)
		e, ok := run(t, f, in)
		if ok || !e.HasTag(TagParseFailure) {
			t.Errorf("%.40q: ok %v, tags %q", in, ok, e.Tags())
		}
		if v, has := e.GetField("data"); has {
			t.Errorf("%.40q: stored %#v", in, v)
		}
	}
}

func TestLenientXPath(t *testing.T) {
	// As Nokogiri's recovery: malformed XML still gives XPath results,
	// unless parse_options is strict.
	const bad = `<xml> <sample attr='foo'> <invalid> </sample> <v>1</v></xml>`
	f := build(t, `source => "xmldata" store_xml => false xpath => { "//v/text()" => "v" }`)
	e, ok := run(t, f, bad)
	if got, _ := e.GetField("v"); !ok || !reflect.DeepEqual(got, a{"1"}) || len(e.Tags()) != 0 {
		t.Errorf("lenient: ok %v, v %#v, tags %q", ok, got, e.Tags())
	}
	// Stored too: XPath results are kept, the event is tagged.
	f = build(t, `source => "xmldata" target => "doc" xpath => { "//v/text()" => "v" }`)
	e, ok = run(t, f, bad)
	if got, _ := e.GetField("v"); ok || !reflect.DeepEqual(got, a{"1"}) || !e.HasTag(TagParseFailure) {
		t.Errorf("lenient with store_xml: ok %v, v %#v, tags %q", ok, got, e.Tags())
	}
	if _, has := e.GetField("doc"); has {
		t.Error("malformed document stored")
	}
	f = build(t, `source => "xmldata" store_xml => false parse_options => "strict" xpath => { "//v/text()" => "v" }`)
	e, ok = run(t, f, bad)
	if ok || !e.HasTag(TagParseFailure) {
		t.Errorf("strict: ok %v, tags %q", ok, e.Tags())
	}
}

func TestXPath(t *testing.T) {
	tests := []struct {
		name, conf, in string
		field          string
		want           any
	}{
		{"text", `xpath => ["/foo/key/text()", "f"]`, `<foo><key>value</key></foo>`, "f", a{"value"}},
		{"several", `xpath => ["/foo/key/text()", "f"]`, `<foo><key>value1</key><key>value2</key></foo>`, "f", a{"value1", "value2"}},
		{"unicode", `xpath => ["/foo/key/text()", "f"]`, `<foo><key>Français</key></foo>`, "f", a{"Français"}},
		{"element", `xpath => ["/foo/h:div", "f"]`, `<foo xmlns:h="http://www.w3.org/TR/html4/"><h:div>Content</h:div></foo>`,
			"f", a{"<h:div>Content</h:div>"}},
		{"namespaces on root", `xpath => ["/foo/h:div", "f"] namespaces => {"h" => "http://www.w3.org/TR/html4/"}`,
			`<foo xmlns:h="http://www.w3.org/TR/html4/"><h:div>Content</h:div></foo>`, "f", a{"<h:div>Content</h:div>"}},
		{"namespaces on child", `xpath => ["/foo/h:div", "f"] namespaces => {"h" => "http://www.w3.org/TR/html4/"}`,
			`<foo><h:div xmlns:h="http://www.w3.org/TR/html4/">Content</h:div></foo>`, "f",
			a{`<h:div xmlns:h="http://www.w3.org/TR/html4/">Content</h:div>`}},
		{"namespace prefix mapped to another prefix", `xpath => ["/x:Envelope/x:Body/text()", "f"] namespaces => {"x" => "urn:s"}`,
			`<s:Envelope xmlns:s="urn:s"><s:Body>b</s:Body></s:Envelope>`, "f", a{"b"}},
		{"remove_namespaces", `xpath => ["/foo/div", "f"] remove_namespaces => true`,
			`<foo xmlns:h="http://www.w3.org/TR/html4/"><h:div>Content</h:div></foo>`, "f", a{"<div>Content</div>"}},
		{"attribute", `xpath => ["/order/@id", "id"]`, `<order id="7"/>`, "id", a{"7"}},
		{"escaped text", `xpath => ["/a/text()", "f"]`, `<a>x &amp; y</a>`, "f", a{"x &amp; y"}},
		{"count", `xpath => ["count(//i)", "n"]`, `<a><i/><i/><i/></a>`, "n", a{"3.0"}},
		{"string function", `xpath => ["name(/*)", "n"]`, `<root/>`, "n", a{"root"}},
		{"boolean", `xpath => ["boolean(//i)", "n"]`, `<a><i/></a>`, "n", a{"true"}},
		{"force_array false: one value", `force_array => false xpath => ["/element/field1/text()", "field1"]`,
			`<element><field1>bbb</field1><field2>789</field2></element>`, "field1", "bbb"},
		{"nested destination", `xpath => { "/a/@x" => "[doc][x]" }`, `<a x="1"/>`, "[doc][x]", a{"1"}},
		{"empty element serialised", `xpath => ["/a/b", "f"]`, `<a><b/><b c="1">t</b></a>`, "f", a{"<b/>", `<b c="1">t</b>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, `source => "xmldata" store_xml => false `+tt.conf)
			e, ok := run(t, f, tt.in)
			got, _ := e.GetField(tt.field)
			if !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ok %v, %s = %#v, want %#v (tags %q)", ok, tt.field, got, tt.want, e.Tags())
			}
		})
	}
}

func TestXPathNoMatch(t *testing.T) {
	f := build(t, `source => "xmldata" store_xml => false xpath => ["//foo/text()", "f"]`)
	e, ok := run(t, f, `<foobar></foobar>`)
	if ok {
		t.Error("filter succeeded without a match")
	}
	if _, has := e.GetField("f"); has || len(e.Tags()) != 0 {
		t.Errorf("event changed: %v", e.Fields())
	}
}

func TestXPathAppends(t *testing.T) {
	f := build(t, `source => "xmldata" store_xml => false xpath => ["/a/b/text()", "f"]`)
	e := event.New()
	_ = e.Set(event.MustRef("xmldata"), `<a><b>2</b></a>`)
	_ = e.Set(event.MustRef("f"), "1")
	f.Filter(e, nil)
	if got, _ := e.GetField("f"); !reflect.DeepEqual(got, a{"1", "2"}) {
		t.Errorf("f = %#v", got)
	}
}

func TestStoreAndXPath(t *testing.T) {
	f := build(t, `source => "xmldata" target => "[doc]" xpath => { "/r/a/text()" => "a" }`)
	e, ok := run(t, f, `<r><a>1</a></r>`)
	if !ok {
		t.Fatal("filter failed")
	}
	if got, _ := e.GetField("[doc][a]"); !reflect.DeepEqual(got, a{"1"}) {
		t.Errorf("doc.a = %#v", got)
	}
	if got, _ := e.GetField("a"); !reflect.DeepEqual(got, a{"1"}) {
		t.Errorf("a = %#v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for conf, want := range map[string]string{
		`source => "m"`: "target must be set",
		`source => "m" store_xml => false parse_options => "strict,invalid0"`: `unsupported parse option: "invalid0"`,
		`source => "m" store_xml => false xpath => { "///[" => "f" }`:         "xpath",
		`source => "m" store_xml => false xpath => { "/a" => "[bad" }`:        "field",
		`source => "m" store_xml => false xpath => { "/a" => 5 }`:             "field name",
		`source => "m" store_xml => false namespaces => { "h" => 5 }`:         "namespaces",
	} {
		_, err := plugintest.BuildErr(plugin.KindFilter, "xml { "+conf+" }")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", conf, err, want)
		}
	}
}

func TestRubyFloat(t *testing.T) {
	for f, want := range map[float64]string{3: "3.0", 0.5: "0.5", -2: "-2.0", 1e20: "1.0e+20", 0: "0.0", 1.5e-5: "1.5e-05"} {
		if got := rubyFloat(f); got != want {
			t.Errorf("rubyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

func FuzzXML(f *testing.F) {
	for _, s := range []string{
		`<foo key="value"/>`, `<a><b>1</b><b/>t<c x="y">z</c></a>`, `<s:E xmlns:s="u"><s:B>b</s:B></s:E>`,
		`<a><b></a>`, `<!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>`, `<a><![CDATA[x]]><!-- c --></a>`,
	} {
		f.Add(s)
	}
	flt := build(f, `source => "xmldata" target => "data" xpath => { "//*/text()" => "t" "count(//*)" => "n" "//@*" => "at" }`)
	strict := build(f, `source => "xmldata" target => "data" parse_options => "strict" remove_namespaces => true xpath => { "//*" => "all" }`)
	f.Fuzz(func(t *testing.T, in string) {
		for _, x := range []*Filter{flt, strict} {
			e := event.New()
			_ = e.Set(event.MustRef("xmldata"), in)
			ok := x.Filter(e, nil)
			if ok && e.HasTag(TagParseFailure) {
				t.Fatalf("succeeded and tagged: %q", in)
			}
			if !ok && len(e.Tags()) == 0 && strings.TrimSpace(in) != "" {
				if _, has := e.GetField("data"); has {
					t.Fatalf("stored without success: %q", in)
				}
			}
		}
	})
}

func BenchmarkXML(b *testing.B) {
	f := build(b, `source => "xmldata" target => "doc" xpath => { "/order/@id" => "id" }`)
	doc := `<order id="7" status="new"><customer><name>Ann</name><email>ann@example.com</email></customer>` +
		strings.Repeat(`<item sku="a1"><qty>2</qty><price>9.99</price></item>`, 5) + `</order>`
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		e := event.New()
		_ = e.Set(event.MustRef("xmldata"), doc)
		f.Filter(e, nil)
	}
}
