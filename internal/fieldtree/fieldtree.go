// Package fieldtree builds the nested objects a filter adds to events from
// a fixed set of field paths: the shape is worked out once, when the filter
// is built, and each event gets new maps of that shape holding its values.
package fieldtree

// Tree is the shape of an object: inner nodes are objects, leaves carry an
// L that says which value goes there. The zero Tree is empty.
type Tree[L any] struct {
	root node[L]
}

type node[L any] struct {
	key      string
	leaf     bool
	l        L
	children []*node[L]
}

// Add puts the leaf l at path (object keys, outermost first). Adding a
// path twice replaces its leaf; the order of first additions is the order
// Build visits them in.
func (t *Tree[L]) Add(path []string, l L) {
	cur := &t.root
	for i, k := range path {
		var next *node[L]
		for _, c := range cur.children {
			if c.key == k {
				next = c
				break
			}
		}
		if next == nil {
			next = &node[L]{key: k}
			cur.children = append(cur.children, next)
		}
		if i == len(path)-1 {
			next.leaf, next.l = true, l
		}
		cur = next
	}
}

// Empty reports whether nothing was added.
func (t *Tree[L]) Empty() bool { return len(t.root.children) == 0 }

// Build makes a new object of the tree's shape, asking value for each
// leaf. Leaves whose value is nil are left out, and so are objects left
// empty; Build returns nil when the whole object would be empty. The maps
// are new on every call, so events never share them.
func (t *Tree[L]) Build(value func(L) any) map[string]any {
	return t.root.build(value)
}

func (n *node[L]) build(value func(L) any) map[string]any {
	var m map[string]any
	for _, c := range n.children {
		var v any
		if c.leaf {
			v = value(c.l)
		} else if sub := c.build(value); sub != nil {
			v = sub
		}
		if v == nil {
			continue
		}
		if m == nil {
			m = make(map[string]any, len(n.children))
		}
		m[c.key] = v
	}
	return m
}

// Merge copies src into dst; where both hold an object under the same key
// the objects are merged, at any depth. Other values in src replace dst's.
func Merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				Merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
