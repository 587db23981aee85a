package elasticsearch

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/sluicelog/sluice/event"
)

// item is one event's bulk lines: enc[start:end] of the batch buffer.
type item struct {
	ev         int // index into the events given to Write
	start, end int
}

// batch holds one Write's encoded events. Pooled.
type batch struct {
	enc     []byte
	items   []item
	pending []int // indexes into items still to send
	retry   []int
	body    []byte
	zbuf    bytes.Buffer
	scratch []byte
	chunk   []int
}

var batchPool = sync.Pool{New: func() any { return new(batch) }}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// bulkResponse is the part of a _bulk answer the output reads.
type bulkResponse struct {
	Errors bool                          `json:"errors"`
	Items  []map[string]bulkItemResponse `json:"items"`
}

type bulkItemResponse struct {
	Status int             `json:"status"`
	Error  json.RawMessage `json:"error"`
}

// Write sends events with the _bulk API and returns once each of them was
// indexed, dropped as a conflict, or rejected for good (dead letter queue
// or log); it returns ctx.Err() when ctx is done first.
func (o *Output) Write(ctx context.Context, events []*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	if err := o.setup(ctx); err != nil {
		return err
	}
	o.pool.resurrectInBackground(o.client.bg)
	b := batchPool.Get().(*batch)
	defer func() {
		b.enc, b.items, b.pending, b.retry, b.body = b.enc[:0], b.items[:0], b.pending[:0], b.retry[:0], b.body[:0]
		b.zbuf.Reset()
		if cap(b.enc) > 64<<20 {
			*b = batch{}
		}
		batchPool.Put(b)
	}()
	for i, e := range events {
		start := len(b.enc)
		var err error
		b.enc, b.scratch, err = o.encode(b.enc, b.scratch, e)
		if err != nil {
			b.enc = b.enc[:start]
			o.reject(e, 0, err.Error())
			continue
		}
		if size := len(b.enc) - start; int64(size) > o.TargetBulkBytes {
			b.enc = b.enc[:start]
			o.reject(e, 0, fmt.Sprintf("event of %d bytes is larger than target_bulk_bytes", size))
			continue
		}
		b.items = append(b.items, item{ev: i, start: start, end: len(b.enc)})
		b.pending = append(b.pending, len(b.items)-1)
	}
	for attempt := 0; len(b.pending) > 0; {
		b.retry = b.retry[:0]
		var lastErr error
		for rest := b.pending; len(rest) > 0; {
			// Take items up to the byte limit (at least one).
			n, size := 0, 0
			for n < len(rest) {
				it := b.items[rest[n]]
				if n > 0 && int64(size+it.end-it.start) > o.TargetBulkBytes {
					break
				}
				size += it.end - it.start
				n++
			}
			chunk := rest[:n]
			rest = rest[n:]
			if err := o.sendChunk(ctx, b, events, chunk); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				lastErr = err
				b.retry = append(b.retry, chunk...)
			}
		}
		if len(b.retry) == 0 {
			break
		}
		o.stats.Retried.Add(int64(len(b.retry)))
		wait := backoff(o.RetryInitialInterval, o.RetryMaxInterval, attempt)
		attempt++
		if lastErr != nil {
			o.log.Warn("bulk request failed; retrying", "events", len(b.retry), "error", lastErr, "retry_in", wait)
		} else {
			o.log.Warn("bulk items were not indexed; retrying", "events", len(b.retry), "retry_in", wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		o.pool.resurrect(ctx)
		b.pending, b.retry = b.retry, b.pending
	}
	return nil
}

// sendChunk sends the items of chunk in one bulk request. Items to retry
// (429, 5xx, others) are appended to b.retry; a returned error means the
// whole chunk must be retried.
func (o *Output) sendChunk(ctx context.Context, b *batch, events []*event.Event, chunk []int) error {
	body := b.enc
	first, last := b.items[chunk[0]], b.items[chunk[len(chunk)-1]]
	contiguous := last.end-first.start == sumLen(b.items, chunk)
	if contiguous {
		body = b.enc[first.start:last.end]
	} else {
		b.body = b.body[:0]
		for _, k := range chunk {
			it := b.items[k]
			b.body = append(b.body, b.enc[it.start:it.end]...)
		}
		body = b.body
	}
	if o.HTTPCompression {
		b.zbuf.Reset()
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&b.zbuf)
		_, _ = zw.Write(body)
		if err := zw.Close(); err != nil {
			gzipPool.Put(zw)
			return fmt.Errorf("gzip: %w", err)
		}
		gzipPool.Put(zw)
		body = b.zbuf.Bytes()
	}
	o.stats.Requests.Add(1)
	resp, _, _, err := o.client.do(ctx, http.MethodPost, "/_bulk", body, o.HTTPCompression, "application/x-ndjson")
	if err != nil {
		return fmt.Errorf("bulk request: %w", err)
	}
	results, err := parseBulkResponse(resp, len(chunk))
	if err != nil {
		return err
	}
	if results == nil {
		// The usual case: every item succeeded.
		o.stats.Indexed.Add(int64(len(chunk)))
		return nil
	}
	for i, k := range chunk {
		res := results[i]
		ev := events[b.items[k].ev]
		switch s := res.Status; {
		case s >= 200 && s <= 299:
			o.stats.Indexed.Add(1)
		case s == http.StatusConflict:
			o.stats.Conflicts.Add(1)
			o.log.Warn("version conflict: event dropped", "status", s, "error", string(res.Error))
		case s == http.StatusBadRequest || s == http.StatusNotFound:
			o.reject(ev, s, string(res.Error))
		default: // 429, 5xx and the rest
			b.retry = append(b.retry, k)
		}
	}
	return nil
}

// parseBulkResponse reads a _bulk answer for n actions: nil when every
// item succeeded (the answer says `"errors":false`), else each item's
// status and error in order.
func parseBulkResponse(resp []byte, n int) ([]bulkItemResponse, error) {
	if noErrors(resp) {
		return nil, nil
	}
	var r bulkResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("bulk answer is not JSON: %w", err)
	}
	if len(r.Items) != n {
		return nil, fmt.Errorf("bulk answer has %d items for %d actions", len(r.Items), n)
	}
	out := make([]bulkItemResponse, n)
	for i, it := range r.Items {
		if len(it) != 1 {
			return nil, fmt.Errorf("bulk answer item %d has %d actions, want 1", i, len(it))
		}
		for _, v := range it {
			out[i] = v
		}
		if out[i].Status < 100 || out[i].Status > 599 {
			return nil, fmt.Errorf("bulk answer item %d has status %d", i, out[i].Status)
		}
	}
	return out, nil
}

// noErrors reports whether a bulk answer starts with `"errors":false`
// among its first keys (took, ingest_took, errors), as Elasticsearch and
// OpenSearch write them.
func noErrors(resp []byte) bool {
	head := resp[:min(len(resp), 128)]
	i := bytes.Index(head, []byte(`"errors":`))
	if i < 0 {
		return false
	}
	rest := bytes.TrimLeft(head[i+len(`"errors":`):], " ")
	return bytes.HasPrefix(rest, []byte("false")) && bytes.Count(head[:i], []byte("{")) == 1
}

func sumLen(items []item, chunk []int) int {
	n := 0
	for _, k := range chunk {
		n += items[k].end - items[k].start
	}
	return n
}

// reject deals with an event the cluster refused for good: to the dead
// letter queue when there is one, else logged and counted.
func (o *Output) reject(e *event.Event, status int, reason string) {
	if status != 0 {
		reason = fmt.Sprintf("status %d: %s", status, reason)
	}
	if dlq := o.pctx.DeadLetter; dlq != nil {
		if err := dlq.WriteDeadLetter(e, o.pctx.ID, reason); err == nil {
			o.stats.DeadLettered.Add(1)
			return
		} else {
			o.log.Error("cannot write to the dead letter queue", "error", err)
		}
	}
	o.stats.Dropped.Add(1)
	o.log.Warn("event rejected by the cluster and dropped", "reason", truncate(reason, 1024))
}

var errNoID = errors.New("action needs a document_id")

// encode appends e's action line and source line to dst.
func (o *Output) encode(dst, scratch []byte, e *event.Event) ([]byte, []byte, error) {
	action := "index"
	if o.actionTpl != nil {
		scratch = o.actionTpl.AppendTo(scratch[:0], e)
		switch string(scratch) {
		case "index":
		case "create":
			action = "create"
		case "update":
			action = "update"
		case "delete":
			action = "delete"
		default:
			return dst, scratch, fmt.Errorf("action %q is not index, create, update or delete", scratch)
		}
	}
	if o.useDS {
		action = "create"
		var err error
		if e, err = o.dataStreamEvent(e); err != nil {
			return dst, scratch, err
		}
	}
	dst = append(dst, `{"`...)
	dst = append(dst, action...)
	dst = append(dst, `":{"_index":`...)
	if o.useDS {
		scratch = o.appendDataStreamName(scratch[:0], e)
	} else {
		scratch = o.indexTpl.AppendTo(scratch[:0], e)
	}
	dst = event.AppendJSONString(dst, string(scratch))
	if o.server.distribution == "elasticsearch" && o.server.major > 0 && o.server.major < 7 {
		dst = append(dst, `,"_type":"doc"`...)
	}
	hasID := false
	if o.idTpl != nil && !o.useDS {
		scratch = o.idTpl.AppendTo(scratch[:0], e)
		if len(scratch) > 0 {
			dst = append(dst, `,"_id":`...)
			dst = event.AppendJSONString(dst, string(scratch))
			hasID = true
		}
	}
	if (action == "update" || action == "delete") && !hasID {
		return dst, scratch, errNoID
	}
	if o.routingTpl != nil && !o.useDS {
		scratch = o.routingTpl.AppendTo(scratch[:0], e)
		if len(scratch) > 0 {
			dst = append(dst, `,"routing":`...)
			dst = event.AppendJSONString(dst, string(scratch))
		}
	}
	if o.pipeTpl != nil && action != "delete" && action != "update" {
		scratch = o.pipeTpl.AppendTo(scratch[:0], e)
		if len(scratch) > 0 {
			dst = append(dst, `,"pipeline":`...)
			dst = event.AppendJSONString(dst, string(scratch))
		}
	}
	dst = append(dst, "}}\n"...)
	switch action {
	case "delete":
		return dst, scratch, nil
	case "update":
		dst = append(dst, `{"doc":`...)
		dst = e.AppendJSON(dst)
		if o.DocAsUpsert {
			dst = append(dst, `,"doc_as_upsert":true`...)
		}
		dst = append(dst, "}\n"...)
	default:
		dst = e.AppendJSON(dst)
		dst = append(dst, '\n')
	}
	return dst, scratch, nil
}

// dataStreamName returns the stream fields for e.
func (o *Output) dataStreamParts(e *event.Event) (typ, dataset, namespace string) {
	typ, dataset, namespace = o.DataStreamType, o.DataStreamDataset, o.DataStreamNamespace
	if o.DataStreamAutoRouting {
		if v, ok := e.GetField("[data_stream][type]"); ok {
			if s, ok := v.(string); ok && s != "" {
				typ = s
			}
		}
		if v, ok := e.GetField("[data_stream][dataset]"); ok {
			if s, ok := v.(string); ok && s != "" {
				dataset = s
			}
		}
		if v, ok := e.GetField("[data_stream][namespace]"); ok {
			if s, ok := v.(string); ok && s != "" {
				namespace = s
			}
		}
	}
	return typ, dataset, namespace
}

func (o *Output) appendDataStreamName(dst []byte, e *event.Event) []byte {
	typ, dataset, namespace := o.dataStreamParts(e)
	dst = append(dst, typ...)
	dst = append(dst, '-')
	dst = append(dst, dataset...)
	dst = append(dst, '-')
	return append(dst, namespace...)
}

// dataStreamEvent returns e, or a copy of e with its [data_stream] fields
// set to the stream it goes to (data_stream_sync_fields). The pipeline's
// event is not changed: other outputs may be reading it.
func (o *Output) dataStreamEvent(e *event.Event) (*event.Event, error) {
	if !o.DataStreamSyncFields {
		return e, nil
	}
	typ, dataset, namespace := o.dataStreamParts(e)
	same := func(ref, want string) bool {
		v, ok := e.GetField(ref)
		s, _ := v.(string)
		return ok && s == want
	}
	if same("[data_stream][type]", typ) && same("[data_stream][dataset]", dataset) && same("[data_stream][namespace]", namespace) {
		return e, nil
	}
	c := e.Clone()
	for _, kv := range [][2]string{{"[data_stream][type]", typ}, {"[data_stream][dataset]", dataset}, {"[data_stream][namespace]", namespace}} {
		if err := c.SetField(kv[0], kv[1]); err != nil {
			return e, fmt.Errorf("data_stream_sync_fields: %w", err)
		}
	}
	return c, nil
}
