// Package xml is the xml filter: it parses XML text held in a field into
// the event (Logstash's XmlSimple shape) and picks values with XPath.
package xml

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"

	"github.com/antchfx/xpath"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

// TagParseFailure marks events whose XML could not be parsed.
const TagParseFailure = "_xmlparsefailure"

// maxInputBytes bounds the XML text parsed.
const maxInputBytes = 16 << 20

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "xml",
		Summary: "Parses XML text from a field into the event and picks values with XPath.",
		Description: `Parses the XML document in ` + "`source`" + ` and

- with ` + "`store_xml`" + ` (the default), stores it in ` + "`target`" + ` in the shape Logstash's xml filter
  gives (that of Ruby's XmlSimple): the document element itself is dropped and its
  attributes and children become the members of the target; attributes are strings
  named as written (` + "`xmlns:h`" + `, ` + "`xsi:type`" + ` included); child elements are named by their
  local name and, with ` + "`force_array`" + ` (the default), always arrays; an element with only
  text is that text (or ` + "`{\"content\" => text}`" + ` with ` + "`force_content`" + `); text next to attributes
  or child elements is in ` + "`content`" + `; an empty element is an empty hash (left out with
  ` + "`suppress_empty`" + `). So ` + "`<order id=\"7\"><item>a</item><item>b</item><note/></order>`" + ` becomes
  ` + "`{\"id\" => \"7\", \"item\" => [\"a\", \"b\"], \"note\" => [{}]}`" + `.
- for each ` + "`xpath`" + ` expression, stores what it selects in the field it maps to: the
  text of text nodes and attributes, the XML text of elements, and the result of
  functions (` + "`count(//item)`" + ` gives ` + "`\"2.0\"`" + `, as in Logstash). Values are strings in an
  array (appended to an array already there), or, with ` + "`force_array => false`" + `, a single
  value when there is one.

The filter succeeds (add_tag and the other common options apply) when it stored the
document or an XPath expression selected something. An event without the source
field, or with blank text, is left alone. When the text cannot be parsed (or the
source is not a string or a one-string array) the event is tagged ` + "`_xmlparsefailure`" + ` and a
warning is logged.

Parsing: the document must be well-formed XML to be stored (as XmlSimple requires).
For XPath, unless ` + "`parse_options => \"strict\"`" + `, a malformed document is repaired (unclosed and
mismatched tags closed, unknown entities kept as text), as Nokogiri's recovery does; the
event is still tagged when the document was to be stored. Entities declared in a DTD are
never expanded (no entity expansion attacks); documents over 16 MiB, nested deeper
than 512 elements or with more than 500,000 nodes are parse failures.

Namespaces: XPath prefixes match the prefixes written in the document; ` + "`namespaces`" + `
maps prefixes to namespace URLs instead; ` + "`remove_namespaces`" + ` drops all namespaces before
XPath runs (it does not change the stored document, as in Logstash).

Differences from Logstash: unprefixed names in XPath also match elements in a default
namespace (Nokogiri needs ` + "`remove_namespaces`" + ` for that); XPath 1.0 is evaluated by
github.com/antchfx/xpath, whose function library is XPath 1.0's plus a few extras.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the xml filter.
type Filter struct {
	Source           event.Ref
	Target           event.Ref
	StoreXML         bool
	XPath            plugin.Hash
	ForceArray       bool
	ForceContent     bool
	Namespaces       plugin.Hash
	RemoveNamespaces bool
	SuppressEmpty    bool
	ParseOptions     string

	strict bool
	opts   simpleOptions
	exprs  []compiled
	logger *slog.Logger
}

type compiled struct {
	src  string
	expr *xpath.Expr
	dest event.Ref
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field holding the XML text.").Required().Example(`"message"`)
	s.FieldRef(&f.Target, "target", "Field that receives the parsed document (overwritten). Required when `store_xml` is true.").
		Example(`"[doc]"`)
	s.Bool(&f.StoreXML, "store_xml", "Store the parsed document in `target`. Set to false to only use `xpath`.").Default(true)
	s.Hash(&f.XPath, "xpath",
		"XPath 1.0 expressions and the fields that receive what they select: `{ \"/order/@id\" => \"order_id\" }`.").
		Example(`{ "/order/item/text()" => "items" }`)
	s.Bool(&f.ForceArray, "force_array",
		"Make every child element an array in the stored document, and keep XPath results in arrays even when there is one.").
		Default(true)
	s.Bool(&f.ForceContent, "force_content",
		"Store the text of elements without attributes as `{\"content\" => text}` instead of the bare text.").Default(false)
	s.Hash(&f.Namespaces, "namespaces", "Namespace prefixes for XPath: prefix => namespace URL.").
		Example(`{ "soap" => "http://schemas.xmlsoap.org/soap/envelope/" }`)
	s.Bool(&f.RemoveNamespaces, "remove_namespaces",
		"Remove all namespaces before XPath runs, so that `/Envelope/Body` matches `soap:Envelope/soap:Body`.").Default(false)
	s.Bool(&f.SuppressEmpty, "suppress_empty", "Leave empty elements out of the stored document instead of storing `{}`.").
		Default(false)
	s.String(&f.ParseOptions, "parse_options",
		"Comma-separated parser options: `strict` rejects malformed XML; `no_error` and `no_warning` are accepted (no effect).").
		Example(`"strict"`)
}

// Init checks the settings and compiles the XPath expressions.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.logger == nil {
		f.logger = slog.Default()
	}
	if f.StoreXML && f.Target.IsZero() {
		return errors.New("when store_xml is true, target must be set")
	}
	for _, o := range strings.Split(f.ParseOptions, ",") {
		switch strings.ToLower(strings.TrimSpace(o)) {
		case "":
		case "strict":
			f.strict = true
		case "no_error", "noerror", "no_warning", "nowarning", "recover":
		default:
			return fmt.Errorf("unsupported parse option: %q", strings.TrimSpace(o))
		}
	}
	var ns map[string]string
	if len(f.Namespaces) > 0 {
		ns = make(map[string]string, len(f.Namespaces))
		for _, e := range f.Namespaces {
			u, ok := e.Value.(string)
			if !ok {
				return fmt.Errorf("namespaces: %s must map to a URL string, got %T", e.Key, e.Value)
			}
			ns[e.Key] = u
		}
	}
	for _, e := range f.XPath {
		dest, ok := e.Value.(string)
		if !ok {
			return fmt.Errorf("xpath: %q must map to a field name, got %T", e.Key, e.Value)
		}
		ref, err := event.ParseRef(dest)
		if err != nil {
			return fmt.Errorf("xpath: field %q: %w", dest, err)
		}
		var expr *xpath.Expr
		if ns != nil {
			expr, err = compileXPath(func() (*xpath.Expr, error) { return xpath.CompileWithNS(e.Key, ns) })
		} else {
			expr, err = compileXPath(func() (*xpath.Expr, error) { return xpath.Compile(e.Key) })
		}
		if err != nil {
			return fmt.Errorf("xpath %q: %w", e.Key, err)
		}
		f.exprs = append(f.exprs, compiled{src: e.Key, expr: expr, dest: ref})
	}
	f.opts = simpleOptions{forceArray: f.ForceArray, forceContent: f.ForceContent, suppressEmpty: f.SuppressEmpty}
	return nil
}

// compileXPath guards against panics in the XPath compiler.
func compileXPath(compile func() (*xpath.Expr, error)) (expr *xpath.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("invalid expression: %v", r)
		}
	}()
	return compile()
}

// Filter parses the source field; it returns false when it stored nothing.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok || v == nil {
		return false
	}
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case []any:
		s, isStr := any(nil), false
		if len(x) == 1 {
			s = x[0]
			_, isStr = s.(string)
		}
		if !isStr {
			f.fail(e, fmt.Errorf("source is an array of %d values; the xml filter parses one string", len(x)), "")
			return false
		}
		text = s.(string)
	default:
		f.fail(e, fmt.Errorf("source holds %s, not XML text", event.TypeName(v)), "")
		return false
	}
	if strings.TrimSpace(text) == "" {
		return false
	}
	if len(text) > maxInputBytes {
		f.fail(e, fmt.Errorf("XML text of %d bytes is over the %d byte limit", len(text), maxInputBytes), text)
		return false
	}
	// Well-formed XML is parsed once, strictly. Without strict
	// parse_options, XPath still gets a repaired document when that fails
	// (as Nokogiri recovers), but such a document is not stored.
	res, err := parse(text, true)
	if err != nil {
		if f.strict || len(f.exprs) == 0 {
			f.fail(e, err, text)
			return false
		}
		lenient, lerr := parse(text, false)
		if lerr != nil {
			f.fail(e, err, text)
			return false
		}
		res = lenient
		res.repaired = true
		res.err = err
	}
	var stored any
	if f.StoreXML && !res.repaired {
		stored = f.opts.simple(res.doc.root())
	}
	matched := false
	if len(f.exprs) > 0 {
		if f.RemoveNamespaces {
			removeNamespaces(res.doc)
		}
		for i := range f.exprs {
			if f.select1(e, &f.exprs[i], res.doc) {
				matched = true
			}
		}
	}
	if f.StoreXML {
		if res.repaired {
			f.fail(e, res.err, text)
			return false
		}
		if err := e.Set(f.Target, stored); err != nil {
			f.fail(e, fmt.Errorf("target: %w", err), text)
			return false
		}
		matched = true
	}
	return matched
}

// select1 evaluates one XPath expression and stores what it selected; it
// reports whether it stored anything.
func (f *Filter) select1(e *event.Event, c *compiled, doc *node) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			f.logger.Warn("xpath evaluation failed", "xpath", c.src, "error", r)
			ok = false
		}
	}()
	var vals []any
	switch r := c.expr.Evaluate(newNavigator(doc)).(type) {
	case *xpath.NodeIterator:
		for r.MoveNext() {
			vals = append(vals, nodeString(r.Current()))
		}
	case string:
		vals = append(vals, r)
	case float64:
		vals = append(vals, rubyFloat(r))
	case bool:
		vals = append(vals, strconv.FormatBool(r))
	}
	if len(vals) == 0 {
		return false
	}
	if old, exists := e.Get(c.dest); exists && old != nil {
		if arr, isArr := old.([]any); isArr {
			vals = append(arr, vals...)
		} else {
			vals = append([]any{old}, vals...)
		}
	}
	var v any = vals
	if !f.ForceArray && len(vals) == 1 {
		v = vals[0]
	}
	if err := e.Set(c.dest, v); err != nil {
		f.logger.Warn("cannot store xpath result", "xpath", c.src, "field", c.dest.String(), "error", err)
		return false
	}
	return true
}

// nodeString is a selected node as text: an attribute's value, a text
// node's (escaped) text, an element's XML.
func nodeString(n xpath.NodeNavigator) string {
	nav, ok := n.(*navigator)
	if !ok {
		return n.Value()
	}
	if nav.attr >= 0 {
		return nav.cur.attrs[nav.attr].value
	}
	var b strings.Builder
	appendXML(&b, nav.cur)
	return b.String()
}

// rubyFloat formats f as Ruby's Float#to_s does for common values: 3.0,
// 0.5, 1.0e+20, NaN, Infinity.
func rubyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a >= 1e16 || a < 1e-4) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		return mant + "e" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

func (f *Filter) fail(e *event.Event, err error, raw string) {
	e.AddTag(TagParseFailure)
	if len(raw) > 256 {
		raw = raw[:256] + "..."
	}
	f.logger.Warn("error parsing xml", "source", f.Source.String(), "value", raw, "error", err)
}
