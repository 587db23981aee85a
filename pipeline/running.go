package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/queue"
)

// The running* types wrap plugins: the common options, counters and
// retries live here so plugins never implement them.

// decorations are the common add_field/add_tag/remove_* options, compiled.
type decorations struct {
	typ         string
	addField    []fieldAdd
	addTag      []*event.Template
	removeField []refTemplate
	removeTag   []*event.Template
	// patch holds addField when every name and value is constant: the
	// events share its values until something looks at them (see
	// event.Patch), which saves building and encoding the same nested
	// maps for every event.
	patch *event.Patch
}

type fieldAdd struct {
	name   refTemplate
	values []*event.Template
	// consts[i] is values[i] rendered and boxed once when it holds no
	// %{...} reference (nil otherwise): the common case of constant
	// fields (the shipper's agent/ecs/input fields) costs no rendering
	// and no allocation of the value per event.
	consts []any
}

// refTemplate is a field name that may hold %{...} references. A static
// name is parsed once; a dynamic one per event.
type refTemplate struct {
	tpl    *event.Template
	static *event.Ref
}

func newRefTemplate(s string) (refTemplate, error) {
	t, err := event.ParseTemplate(s)
	if err != nil {
		return refTemplate{}, err
	}
	rt := refTemplate{tpl: t}
	if t.IsStatic() {
		r, err := event.ParseRef(s)
		if err != nil {
			return refTemplate{}, err
		}
		rt.static = &r
	}
	return rt, nil
}

func (rt refTemplate) ref(e *event.Event) (event.Ref, bool) {
	if rt.static != nil {
		return *rt.static, true
	}
	r, err := event.ParseRef(rt.tpl.Render(e))
	return r, err == nil
}

func (d *decorations) empty() bool {
	return d.typ == "" && len(d.addField) == 0 && len(d.addTag) == 0 && len(d.removeField) == 0 && len(d.removeTag) == 0
}

func compileDecorations(c *plugin.Common) (*decorations, error) {
	d := &decorations{typ: c.Type}
	tpls := func(list []string) ([]*event.Template, error) {
		out := make([]*event.Template, 0, len(list))
		for _, s := range list {
			t, err := event.ParseTemplate(s)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
	var err error
	tags := append(append([]string{}, c.Tags...), c.AddTag...)
	if d.addTag, err = tpls(tags); err != nil {
		return nil, err
	}
	for _, f := range c.RemoveField {
		rt, err := newRefTemplate(f)
		if err != nil {
			return nil, err
		}
		d.removeField = append(d.removeField, rt)
	}
	if d.removeTag, err = tpls(c.RemoveTag); err != nil {
		return nil, err
	}
	for _, ent := range c.AddField {
		name, err := newRefTemplate(ent.Key)
		if err != nil {
			return nil, err
		}
		fa := fieldAdd{name: name}
		var vals []any
		if arr, ok := ent.Value.([]any); ok {
			vals = arr
		} else {
			vals = []any{ent.Value}
		}
		for _, v := range vals {
			s, ok := v.(string)
			if !ok {
				s = string(event.FormatValue(nil, v))
			}
			t, err := event.ParseTemplate(s)
			if err != nil {
				return nil, err
			}
			fa.values = append(fa.values, t)
			var c any
			if t.IsStatic() {
				c = t.Render(event.New())
			}
			fa.consts = append(fa.consts, c)
		}
		d.addField = append(d.addField, fa)
	}
	d.patch = constPatch(d.addField)
	return d, nil
}

// constPatch returns add_field as a patch when every name and value is
// constant, nil otherwise.
func constPatch(adds []fieldAdd) *event.Patch {
	var ops []event.PatchOp
	for _, fa := range adds {
		if fa.name.static == nil {
			return nil
		}
		for _, c := range fa.consts {
			if c == nil {
				return nil
			}
			ops = append(ops, event.PatchOp{Ref: *fa.name.static, Value: c, Append: true})
		}
	}
	if len(ops) == 0 {
		return nil
	}
	p, err := event.NewPatch(ops...)
	if err != nil {
		// A name NewPatch refuses (the root): the per-event path
		// handles it as before.
		return nil
	}
	return p
}

// apply runs the decorations in Logstash's order: type, add_field,
// add_tag (inputs' tags), then remove_field and remove_tag.
func (d *decorations) apply(e *event.Event) {
	if d.typ != "" {
		if _, ok := e.Fields()["type"]; !ok {
			e.Fields()["type"] = d.typ
		}
	}
	if d.patch != nil {
		e.ApplyPatch(d.patch)
	} else {
		d.addFields(e)
	}
	for _, t := range d.addTag {
		e.AddTag(t.Render(e))
	}
	for _, rt := range d.removeField {
		if ref, ok := rt.ref(e); ok {
			e.Remove(ref)
		}
	}
	for _, t := range d.removeTag {
		e.RemoveTag(t.Render(e))
	}
}

// addFields runs add_field one name and value at a time.
func (d *decorations) addFields(e *event.Event) {
	for _, fa := range d.addField {
		ref, ok := fa.name.ref(e)
		if !ok {
			continue
		}
		for i, vt := range fa.values {
			v := fa.consts[i]
			if v == nil {
				v = vt.Render(e)
			}
			old, exists := e.Get(ref)
			if !exists {
				_ = e.Set(ref, v)
				continue
			}
			// An existing field becomes an array holding old and new values.
			var arr []any
			if a, ok := old.([]any); ok {
				arr = a
			} else {
				arr = []any{old}
			}
			_ = e.Set(ref, append(arr, v))
		}
	}
}

type runningFilter struct {
	inst    *plugin.Instance
	filter  plugin.Filter
	flusher plugin.Flusher
	deco    *decorations
	// Published once per batch from the workers' filterAcc.
	in, out, nanos atomic.Int64
}

type runningOutput struct {
	inst   *plugin.Instance
	output plugin.Output
	serial sync.Mutex
	isSer  bool
	// in: events handed to the output; out: events it accepted; nanos:
	// time spent in Write.
	in, out, nanos atomic.Int64
	// backoff for retries: from min doubling to max.
	minBackoff, maxBackoff time.Duration
}

// write delivers events, retrying failures with backoff until they succeed
// or ctx is done. It returns ctx's error when it gave up.
func (o *runningOutput) write(ctx context.Context, events []*event.Event) error {
	backoff := o.minBackoff
	pending := events
	o.in.Add(int64(len(events)))
	for attempt := 0; ; attempt++ {
		start := time.Now()
		err := o.call(ctx, pending)
		o.nanos.Add(int64(time.Since(start)))
		if err == nil {
			o.out.Add(int64(len(pending)))
			return nil
		}
		var be *plugin.BatchError
		if errors.As(err, &be) {
			failed := make([]*event.Event, 0, len(be.Failed))
			for _, i := range be.Failed {
				if i >= 0 && i < len(pending) {
					failed = append(failed, pending[i])
				}
			}
			o.out.Add(int64(len(pending) - len(failed)))
			pending = failed
			if len(pending) == 0 {
				return nil
			}
		}
		o.inst.Context.Logger.Warn("output failed; retrying", "error", err, "events", len(pending), "attempt", attempt+1, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return fmt.Errorf("output %s: gave up with %d events undelivered: %w", o.inst.Context.ID, len(pending), ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, o.maxBackoff)
	}
}

func (o *runningOutput) call(ctx context.Context, events []*event.Event) (err error) {
	if o.isSer {
		o.serial.Lock()
		defer o.serial.Unlock()
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("BUG: output %s panicked: %v", o.inst.Spec.Name, r)
		}
	}()
	return o.output.Write(ctx, events)
}

type runningInput struct {
	inst  *plugin.Instance
	input plugin.Input
	deco  *decorations
	p     *Pipeline
	in    atomic.Int64
	// pushing is the time Push spends waiting for the queue.
	pushing busyClock
}

var _ plugin.Queue = (*runningInput)(nil)

// Push decorates events, attaches the delivery tracker and enqueues them.
func (r *runningInput) Push(ctx context.Context, events []*event.Event, ack func()) error {
	if len(events) == 0 {
		if ack != nil {
			ack()
		}
		return nil
	}
	if pq := r.p.pq; pq != nil {
		// Persisted queue: the input's ack fires once the events are
		// written; the queue tracks delivery to the outputs itself.
		if r.deco != nil {
			for _, e := range events {
				r.deco.apply(e)
			}
		}
		start := r.pushing.start()
		err := pq.Push(ctx, events)
		r.pushing.stop(start)
		if err != nil {
			if errors.Is(err, queue.ErrClosed) {
				return errClosed
			}
			return err
		}
		r.in.Add(int64(len(events)))
		if ack != nil {
			ack()
		}
		return nil
	}
	var tr *tracker
	if ack != nil {
		tr = newTracker(len(events), ack)
	}
	for _, e := range events {
		if r.deco != nil {
			r.deco.apply(e)
		}
		if tr != nil {
			e.SetTracker(tr)
		}
	}
	r.in.Add(int64(len(events)))
	start := r.pushing.start()
	err := r.p.q.push(ctx, events)
	r.pushing.stop(start)
	return err
}
