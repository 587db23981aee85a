package xml

import "strings"

// simpleOptions are the XmlSimple options Logstash's xml filter sets.
type simpleOptions struct {
	forceArray, forceContent, suppressEmpty bool
}

const contentKey = "content"

// simple converts the document element as Ruby's XmlSimple.xml_in does
// with Logstash's options (KeepRoot off, KeyAttr empty): attributes become
// string members (named as written, prefix included), child elements
// members named by their local name (arrays when force_array, or when
// repeated), text "content" next to attributes or mixed with elements.
// The result is a map[string]any, a string, or nil (suppress_empty).
func (o *simpleOptions) simple(el *node) any {
	result := make(map[string]any, len(el.attrs)+len(el.children))
	for _, a := range el.attrs {
		result[a.name()] = a.value
	}
	hasElems, hasText := false, false
	for _, c := range el.children {
		switch c.kind {
		case elemNode:
			hasElems = true
		case textNode:
			hasText = true
		}
	}
	switch {
	case hasElems:
		for _, c := range el.children {
			if c.kind != elemNode {
				continue
			}
			v := o.simple(c)
			if isEmpty(v) && len(el.attrs) == 0 && o.suppressEmpty {
				continue
			}
			o.merge(result, c.local, v)
		}
		if hasText {
			var texts []any
			var all strings.Builder
			for _, c := range el.children {
				if c.kind == textNode {
					var b strings.Builder
					escapeText(&b, c.data)
					texts = append(texts, b.String())
					all.WriteString(c.data)
				}
			}
			if strings.TrimSpace(all.String()) != "" {
				if len(texts) == 1 {
					result[contentKey] = texts[0]
				} else {
					result[contentKey] = texts
				}
			}
		}
	case hasText:
		var b strings.Builder
		for _, c := range el.children {
			if c.kind == textNode {
				b.WriteString(c.data)
			}
		}
		value := b.String()
		if strings.TrimSpace(value) == "" && len(el.attrs) == 0 {
			return map[string]any{}
		}
		if len(el.attrs) > 0 || o.forceContent {
			o.merge(result, contentKey, value)
			return result
		}
		return value
	}
	if len(result) == 0 && o.suppressEmpty {
		return nil
	}
	return result
}

// merge adds key => value as XmlSimple does: a repeated key becomes an
// array; with force_array every element is an array (never "content").
func (o *simpleOptions) merge(h map[string]any, key string, value any) {
	if old, ok := h[key]; ok {
		if arr, isArr := old.([]any); isArr {
			h[key] = append(arr, value)
		} else {
			h[key] = []any{old, value}
		}
		return
	}
	if arr, isArr := value.([]any); isArr {
		h[key] = []any{arr}
		return
	}
	if o.forceArray && key != contentKey {
		h[key] = []any{value}
		return
	}
	h[key] = value
}

// isEmpty is XmlSimple's empty: nil, an empty hash or a blank string.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case string:
		return strings.TrimSpace(x) == ""
	}
	return false
}
