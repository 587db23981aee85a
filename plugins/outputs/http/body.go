package http

import (
	"fmt"
	"net/url"
	"sort"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// mapNode is a compiled `mapping`: a hash, an array or a template.
type mapNode struct {
	keys     []string // a hash's keys, in configuration order
	children []*mapNode
	isHash   bool
	isArray  bool
	tmpl     *event.Template
}

type mapping = mapNode

// maxMappingDepth bounds the nesting of a mapping.
const maxMappingDepth = 32

func compileMapping(h plugin.Hash) (*mapNode, error) { return compileValue(h, 0) }

func compileValue(v any, depth int) (*mapNode, error) {
	if depth > maxMappingDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxMappingDepth)
	}
	switch x := v.(type) {
	case plugin.Hash:
		n := &mapNode{isHash: true}
		for _, e := range x {
			c, err := compileValue(e.Value, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%s]: %w", e.Key, err)
			}
			n.keys = append(n.keys, e.Key)
			n.children = append(n.children, c)
		}
		return n, nil
	case []any:
		n := &mapNode{isArray: true}
		for i, e := range x {
			c, err := compileValue(e, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			n.children = append(n.children, c)
		}
		return n, nil
	default:
		// Numbers are rendered as their text, as Logstash's sprintf does.
		s, ok := v.(string)
		if !ok {
			s = string(event.FormatValue(nil, v))
		}
		t, err := event.ParseTemplate(s)
		if err != nil {
			return nil, err
		}
		return &mapNode{tmpl: t}, nil
	}
}

// appendJSON appends the mapping rendered for e as JSON.
func (n *mapNode) appendJSON(dst []byte, e *event.Event, scratch []byte) []byte {
	switch {
	case n.isHash:
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = event.AppendJSONString(dst, k)
			dst = append(dst, ':')
			dst = n.children[i].appendJSON(dst, e, scratch)
		}
		return append(dst, '}')
	case n.isArray:
		dst = append(dst, '[')
		for i, c := range n.children {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = c.appendJSON(dst, e, scratch)
		}
		return append(dst, ']')
	default:
		return event.AppendJSONString(dst, string(n.tmpl.AppendTo(scratch[:0], e)))
	}
}

// appendText appends the mapping's text form for a form value: a
// template's rendering, or JSON for hashes and arrays.
func (n *mapNode) appendText(dst []byte, e *event.Event) []byte {
	if n.tmpl != nil {
		return n.tmpl.AppendTo(dst, e)
	}
	return n.appendJSON(dst, e, nil)
}

// appendDoc appends one event's JSON document: its mapping, or the whole
// event without @metadata.
func (o *Output) appendDoc(dst []byte, e *event.Event) []byte {
	if o.mapping != nil {
		return o.mapping.appendJSON(dst, e, nil)
	}
	return e.AppendJSON(dst)
}

// appendBody appends the request body for events (one event unless the
// format is batched).
func (o *Output) appendBody(dst []byte, events []*event.Event) []byte {
	switch o.format {
	case formatJSONBatch:
		dst = append(dst, '[')
		for i, e := range events {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = o.appendDoc(dst, e)
		}
		return append(dst, ']')
	case formatNDJSON:
		for _, e := range events {
			dst = o.appendDoc(dst, e)
			dst = append(dst, '\n')
		}
		return dst
	case formatForm:
		return o.appendForm(dst, events[0])
	case formatMessage:
		return o.message.AppendTo(dst, events[0])
	default:
		return o.appendDoc(dst, events[0])
	}
}

// appendForm URL-encodes the mapping's top-level entries, or the event's
// top-level fields in byte order, as key=value pairs joined with &.
func (o *Output) appendForm(dst []byte, e *event.Event) []byte {
	var val []byte
	n := 0
	pair := func(k string, v []byte) {
		if n > 0 {
			dst = append(dst, '&')
		}
		n++
		dst = append(dst, url.QueryEscape(k)...)
		dst = append(dst, '=')
		dst = append(dst, url.QueryEscape(string(v))...)
	}
	if o.mapping != nil && o.mapping.isHash {
		for i, k := range o.mapping.keys {
			val = o.mapping.children[i].appendText(val[:0], e)
			pair(k, val)
		}
		return dst
	}
	fields := e.Fields()
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val = event.FormatValue(val[:0], fields[k])
		pair(k, val)
	}
	return dst
}
