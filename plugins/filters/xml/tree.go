package xml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/antchfx/xpath"
)

// Limits on one document.
const (
	maxDepth = 512
	maxNodes = 500_000
)

type nodeKind uint8

const (
	docNode nodeKind = iota
	elemNode
	textNode
	commentNode
)

// node is a node of a parsed document: the tree the XPath navigator walks
// and the XmlSimple conversion reads.
type node struct {
	kind          nodeKind
	prefix, local string // elements
	space         string // namespace URL (elements)
	data          string // text or comment
	attrs         []attr
	parent        *node
	children      []*node
	index         int // position among the parent's children
}

type attr struct {
	prefix, local, space, value string
}

func (a *attr) name() string {
	if a.prefix == "" {
		return a.local
	}
	return a.prefix + ":" + a.local
}

func (n *node) name() string {
	if n.prefix == "" {
		return n.local
	}
	return n.prefix + ":" + n.local
}

// root returns the document element.
func (n *node) root() *node {
	for _, c := range n.children {
		if c.kind == elemNode {
			return c
		}
	}
	return nil
}

// parseResult is a parsed document and whether the lenient parser had to
// repair it (mismatched or unclosed tags).
type parseResult struct {
	doc      *node
	repaired bool
	err      error // why the strict parse failed, when repaired
}

// parse parses an XML document. Strict parsing rejects any error; lenient
// parsing repairs unclosed and mismatched tags and keeps unknown entities
// as text. Entities declared in a DTD are never expanded (no entity
// expansion attacks); depth and node count are bounded.
func parse(text string, strict bool) (parseResult, error) {
	d := xml.NewDecoder(strings.NewReader(text))
	d.Strict = strict
	doc := &node{kind: docNode}
	cur := doc
	depth, nodes := 0, 0
	var res parseResult
	res.doc = doc
	// Namespace scopes: prefix -> URL, one map per open element that
	// declares any.
	type scope struct {
		el *node
		ns map[string]string
	}
	var scopes []scope
	lookup := func(prefix string) string {
		for i := len(scopes) - 1; i >= 0; i-- {
			if u, ok := scopes[i].ns[prefix]; ok {
				return u
			}
		}
		switch prefix {
		case "xml":
			return "http://www.w3.org/XML/1998/namespace"
		}
		return ""
	}
	add := func(n *node) error {
		nodes++
		if nodes > maxNodes {
			return fmt.Errorf("document has more than %d nodes", maxNodes)
		}
		n.parent = cur
		n.index = len(cur.children)
		cur.children = append(cur.children, n)
		return nil
	}
	closeTo := func(target *node) {
		for cur != target.parent {
			if len(scopes) > 0 && scopes[len(scopes)-1].el == cur {
				scopes = scopes[:len(scopes)-1]
			}
			cur = cur.parent
			depth--
		}
	}
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !strict && cur != doc && isUnexpectedEOF(err) {
				res.repaired = true
				break
			}
			return res, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if cur == doc && doc.root() != nil {
				if strict {
					return res, errors.New("more than one root element")
				}
				res.repaired = true
			}
			depth++
			if depth > maxDepth {
				return res, fmt.Errorf("elements nested deeper than %d levels", maxDepth)
			}
			el := &node{kind: elemNode, prefix: t.Name.Space, local: t.Name.Local}
			var ns map[string]string
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					if ns == nil {
						ns = map[string]string{}
					}
					ns[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if ns == nil {
						ns = map[string]string{}
					}
					ns[""] = a.Value
				}
				el.attrs = append(el.attrs, attr{prefix: a.Name.Space, local: a.Name.Local, value: a.Value})
			}
			if err := add(el); err != nil {
				return res, err
			}
			cur = el
			if ns != nil {
				scopes = append(scopes, scope{el, ns})
			}
			el.space = lookup(el.prefix)
			for i := range el.attrs {
				a := &el.attrs[i]
				if a.prefix != "" && a.prefix != "xmlns" {
					a.space = lookup(a.prefix)
				}
			}
		case xml.EndElement:
			// Find the open element this closes.
			var match *node
			for n := cur; n != doc; n = n.parent {
				if n.prefix == t.Name.Space && n.local == t.Name.Local {
					match = n
					break
				}
			}
			if match != cur {
				if strict {
					if cur == doc {
						return res, fmt.Errorf("unexpected end element </%s>", qname(t.Name))
					}
					return res, fmt.Errorf("element <%s> closed by </%s>", cur.name(), qname(t.Name))
				}
				res.repaired = true
				if match == nil {
					continue // a stray end tag
				}
			}
			closeTo(match)
		case xml.CharData:
			if cur == doc {
				if len(bytes.TrimSpace(t)) > 0 {
					if strict {
						return res, errors.New("text outside the root element")
					}
					res.repaired = true
				}
				continue
			}
			if n := len(cur.children); n > 0 && cur.children[n-1].kind == textNode {
				cur.children[n-1].data += string(t)
				continue
			}
			if err := add(&node{kind: textNode, data: string(t)}); err != nil {
				return res, err
			}
		case xml.Comment:
			if cur == doc {
				continue
			}
			if err := add(&node{kind: commentNode, data: string(t)}); err != nil {
				return res, err
			}
		}
	}
	if cur != doc {
		if strict {
			return res, fmt.Errorf("element <%s> is not closed", cur.name())
		}
		res.repaired = true
	}
	if doc.root() == nil {
		return res, errors.New("no root element")
	}
	return res, nil
}

func isUnexpectedEOF(err error) bool {
	var se *xml.SyntaxError
	return errors.As(err, &se) && strings.Contains(se.Msg, "unexpected EOF")
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// removeNamespaces drops namespace prefixes and declarations from the
// tree, as Nokogiri's remove_namespaces! does.
func removeNamespaces(n *node) {
	stack := []*node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.kind == elemNode {
			n.prefix, n.space = "", ""
			kept := n.attrs[:0]
			for _, a := range n.attrs {
				if a.prefix == "xmlns" || (a.prefix == "" && a.local == "xmlns") {
					continue
				}
				a.prefix, a.space = "", ""
				kept = append(kept, a)
			}
			n.attrs = kept
		}
		stack = append(stack, n.children...)
	}
}

// appendXML appends the XML text of n (an element's outer XML).
func appendXML(b *strings.Builder, n *node) {
	switch n.kind {
	case textNode:
		escapeText(b, n.data)
	case commentNode:
		b.WriteString("<!--")
		b.WriteString(n.data)
		b.WriteString("-->")
	case docNode:
		for _, c := range n.children {
			appendXML(b, c)
		}
	case elemNode:
		b.WriteByte('<')
		b.WriteString(n.name())
		for _, a := range n.attrs {
			b.WriteByte(' ')
			b.WriteString(a.name())
			b.WriteString(`="`)
			escapeAttr(b, a.value)
			b.WriteByte('"')
		}
		if len(n.children) == 0 {
			b.WriteString("/>")
			return
		}
		b.WriteByte('>')
		for _, c := range n.children {
			appendXML(b, c)
		}
		b.WriteString("</")
		b.WriteString(n.name())
		b.WriteByte('>')
	}
}

func escapeText(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
}

func escapeAttr(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteByte(c)
		}
	}
}

// text returns the string value of n: its text and that of its
// descendants.
func (n *node) text() string {
	if n.kind == textNode || n.kind == commentNode {
		return n.data
	}
	var b strings.Builder
	stack := []*node{n}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x.kind == textNode {
			b.WriteString(x.data)
			continue
		}
		if x.kind == commentNode {
			continue
		}
		for i := len(x.children) - 1; i >= 0; i-- {
			stack = append(stack, x.children[i])
		}
	}
	return b.String()
}

// navigator is an xpath.NodeNavigator over the tree.
type navigator struct {
	doc, cur *node
	attr     int // index of the current attribute, or -1
}

var _ xpath.NodeNavigator = (*navigator)(nil)

func newNavigator(doc *node) *navigator { return &navigator{doc: doc, cur: doc, attr: -1} }

func (n *navigator) NodeType() xpath.NodeType {
	if n.attr >= 0 {
		return xpath.AttributeNode
	}
	switch n.cur.kind {
	case docNode:
		return xpath.RootNode
	case elemNode:
		return xpath.ElementNode
	case textNode:
		return xpath.TextNode
	}
	return xpath.CommentNode
}

func (n *navigator) LocalName() string {
	if n.attr >= 0 {
		return n.cur.attrs[n.attr].local
	}
	return n.cur.local
}

func (n *navigator) Prefix() string {
	if n.attr >= 0 {
		return n.cur.attrs[n.attr].prefix
	}
	return n.cur.prefix
}

// NamespaceURL is used by the xpath package for prefixes given in
// `namespaces`.
func (n *navigator) NamespaceURL() string {
	if n.attr >= 0 {
		return n.cur.attrs[n.attr].space
	}
	return n.cur.space
}

func (n *navigator) Value() string {
	if n.attr >= 0 {
		return n.cur.attrs[n.attr].value
	}
	return n.cur.text()
}

func (n *navigator) Copy() xpath.NodeNavigator { c := *n; return &c }

func (n *navigator) MoveToRoot() { n.cur, n.attr = n.doc, -1 }

func (n *navigator) MoveToParent() bool {
	if n.attr >= 0 {
		n.attr = -1
		return true
	}
	if n.cur.parent == nil {
		return false
	}
	n.cur = n.cur.parent
	return true
}

func (n *navigator) MoveToNextAttribute() bool {
	if n.cur.kind != elemNode {
		return false
	}
	for i := n.attr + 1; i < len(n.cur.attrs); i++ {
		a := &n.cur.attrs[i]
		if a.prefix == "xmlns" || (a.prefix == "" && a.local == "xmlns") {
			continue // namespace declarations are not attributes in XPath
		}
		n.attr = i
		return true
	}
	return false
}

func (n *navigator) MoveToChild() bool {
	if n.attr >= 0 || len(n.cur.children) == 0 {
		return false
	}
	n.cur = n.cur.children[0]
	return true
}

func (n *navigator) MoveToFirst() bool {
	if n.attr >= 0 || n.cur.parent == nil {
		return false
	}
	n.cur = n.cur.parent.children[0]
	return true
}

func (n *navigator) MoveToNext() bool {
	if n.attr >= 0 || n.cur.parent == nil || n.cur.index+1 >= len(n.cur.parent.children) {
		return false
	}
	n.cur = n.cur.parent.children[n.cur.index+1]
	return true
}

func (n *navigator) MoveToPrevious() bool {
	if n.attr >= 0 || n.cur.parent == nil || n.cur.index == 0 {
		return false
	}
	n.cur = n.cur.parent.children[n.cur.index-1]
	return true
}

func (n *navigator) MoveTo(other xpath.NodeNavigator) bool {
	o, ok := other.(*navigator)
	if !ok || o.doc != n.doc {
		return false
	}
	n.cur, n.attr = o.cur, o.attr
	return true
}
