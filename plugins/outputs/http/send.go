package http

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// request is one HTTP request and the events it carries.
type request struct {
	url    string
	header http.Header
	body   []byte
	events []*event.Event
	index  []int // the events' indexes in the slice given to Write
	// invalid is set when the request cannot be made (a rendered url that
	// is not a URL): its events are rejected without a retry.
	invalid error
}

type outcome int

const (
	delivered outcome = iota
	rejected          // given up for good: dead-lettered or logged and counted
	aborted           // stopped by shutdown: to be retried by the engine
)

// Limits on what is read of an answer: a snippet for logs, and how much is
// drained so that the connection can be reused.
const (
	snippetBytes = 1 << 10
	drainBytes   = 1 << 20
)

// bodyPool recycles request bodies up to maxPooledBody bytes.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 4 << 20

// Write sends events and returns once each reached a final outcome, or
// with a *plugin.BatchError naming the events still undelivered when ctx
// was cancelled.
func (o *Output) Write(ctx context.Context, events []*event.Event) error {
	if len(events) == 0 {
		return nil
	}
	reqs := o.plan(events)
	results := make([]outcome, len(reqs))
	var wg sync.WaitGroup
loop:
	for i, r := range reqs {
		select {
		case o.sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(reqs); j++ {
				results[j] = aborted
			}
			break loop
		}
		if len(reqs) == 1 {
			results[i] = o.deliver(ctx, r)
			<-o.sem
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-o.sem }()
			results[i] = o.deliver(ctx, r)
		}()
	}
	wg.Wait()
	var failed []int
	for i, r := range reqs {
		if results[i] == aborted {
			failed = append(failed, r.index...)
		}
		if r.body != nil && cap(r.body) <= maxPooledBody {
			b := r.body[:0]
			bodyPool.Put(&b)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	sort.Ints(failed)
	err := ctx.Err()
	if err == nil {
		err = errors.New("stopped")
	}
	return &plugin.BatchError{Failed: failed, Err: fmt.Errorf("http: %d events not delivered: %w", len(failed), err)}
}

// plan renders the requests for events: one per event, or for the batch
// formats one per distinct rendered url and headers.
func (o *Output) plan(events []*event.Event) []*request {
	var reqs []*request
	var groups map[string]*request
	var key []byte
	vals := make([]string, len(o.headers))
	for i, e := range events {
		u := o.url.Render(e)
		for j, ht := range o.headers {
			vals[j] = ht.value.Render(e)
		}
		if o.format.batched() {
			key = append(key[:0], u...)
			for _, v := range vals {
				key = append(key, 0)
				key = append(key, v...)
			}
			if r, ok := groups[string(key)]; ok {
				r.events = append(r.events, e)
				r.index = append(r.index, i)
				continue
			}
			if groups == nil {
				groups = map[string]*request{}
			}
			r := &request{url: u, header: o.header(vals), events: []*event.Event{e}, index: []int{i}}
			groups[string(key)] = r
			reqs = append(reqs, r)
			continue
		}
		reqs = append(reqs, &request{url: u, header: o.header(vals), events: events[i : i+1], index: []int{i}})
	}
	for _, r := range reqs {
		if _, err := parseURL(r.url); err != nil {
			r.invalid = fmt.Errorf("invalid url: %w", err)
			continue
		}
		if name, ok := badHeader(r.header); ok {
			r.invalid = fmt.Errorf("header %s: the rendered value holds control characters (a line break?)", name)
			continue
		}
		bp := bodyPool.Get().(*[]byte)
		body := o.appendBody((*bp)[:0], r.events)
		if o.HTTPCompression {
			body = gzipBody(body)
			r.header.Set("Content-Encoding", "gzip")
		}
		r.body = body
	}
	return reqs
}

// header makes a request's headers from the rendered header values.
func (o *Output) header(vals []string) http.Header {
	h := make(http.Header, len(o.headers)+2)
	for j, ht := range o.headers {
		h.Add(ht.name, vals[j])
	}
	if o.contentType != "" {
		h.Set("Content-Type", o.contentType)
	}
	return h
}

// badHeader finds a header whose value Go's client would refuse (control
// characters other than tab): sending it would fail on every retry.
func badHeader(h http.Header) (string, bool) {
	for name, vals := range h {
		for _, v := range vals {
			for i := 0; i < len(v); i++ {
				if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
					return name, true
				}
			}
		}
	}
	return "", false
}

func gzipBody(p []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(p)/4 + 64)
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(p)
	zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// answer is what a request got back.
type answer struct {
	code       int
	retryAfter time.Duration
	snippet    string
}

// deliver sends r until it is delivered, rejected for good, or ctx ends.
func (o *Output) deliver(ctx context.Context, r *request) outcome {
	if r.invalid != nil {
		o.reject(r, r.invalid.Error())
		return rejected
	}
	backoff := o.RetryInitial
	for attempt := 1; ; attempt++ {
		a, err := o.send(ctx, r)
		if ctx.Err() != nil {
			return aborted
		}
		var why string
		switch {
		case err == nil && (a.code >= 200 && a.code <= 299 || o.ignorable[a.code]):
			o.sent.Add(int64(len(r.events)))
			return delivered
		case err == nil && !o.retryable[a.code]:
			o.reject(r, fmt.Sprintf("HTTP %d %s", a.code, a.snippet))
			return rejected
		case err == nil:
			why = fmt.Sprintf("HTTP %d %s", a.code, a.snippet)
		default:
			why = err.Error()
		}
		if !o.RetryFailed {
			o.reject(r, why)
			return rejected
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if a.retryAfter > wait {
			wait = min(a.retryAfter, o.RetryMax)
		}
		o.retried.Add(1)
		o.logRetry(r, a.code, why, attempt, wait)
		if !sleep(wait, ctx.Done()) {
			return aborted
		}
		backoff = min(backoff*2, o.RetryMax)
	}
}

// send makes one request, repeating it at once up to automatic_retries
// times after a network error (for idempotent methods).
func (o *Output) send(ctx context.Context, r *request) (answer, error) {
	for try := 0; ; try++ {
		a, err := o.roundTrip(ctx, r)
		if err == nil || ctx.Err() != nil || !o.autoRetry || try >= o.AutomaticRetries {
			return a, err
		}
		o.log.Debug("request failed; retrying at once", "url", redact(r.url), "error", err, "try", try+1)
	}
}

func (o *Output) roundTrip(ctx context.Context, r *request) (answer, error) {
	o.requests.Add(1)
	rctx, cancel := context.WithTimeout(ctx, o.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, o.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return answer{}, err
	}
	req.Header = r.header.Clone()
	if o.User != "" {
		req.SetBasicAuth(o.User, o.Password)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{code: resp.StatusCode}
	if a.code < 200 || a.code > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, snippetBytes))
		a.snippet = strings.TrimSpace(string(b))
		a.retryAfter = retryAfter(resp.Header.Get("Retry-After"))
	}
	// Drain (a bounded amount) so the connection can be reused. An error
	// reading the answer's body does not change the outcome: the status
	// code decided it.
	io.Copy(io.Discard, io.LimitReader(resp.Body, drainBytes))
	return a, nil
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// reject gives r's events up: to the dead letter queue when enabled, else
// logged (rate-limited) and counted.
func (o *Output) reject(r *request, reason string) {
	n := int64(len(r.events))
	o.failed.Add(n)
	if o.dlq != nil {
		for _, e := range r.events {
			if err := o.dlq.WriteDeadLetter(e, o.id, reason); err != nil {
				o.log.Error("could not write an event to the dead letter queue; it is lost", "error", err, "reason", reason)
				continue
			}
			o.deadLetter.Add(1)
		}
		return
	}
	if ok, suppressed := o.failLog.Allow(); ok {
		o.log.Error("request failed for good; events dropped", "url", redact(r.url), "method", o.method, "reason", reason,
			"events", n, "dropped_total", o.failed.Load(), "similar_suppressed", suppressed)
	}
}

func (o *Output) logRetry(r *request, code int, why string, attempt int, wait time.Duration) {
	if code == http.StatusTooManyRequests {
		o.log.Debug("endpoint is busy (429); retrying", "url", redact(r.url), "attempt", attempt, "retry_in", wait)
		return
	}
	if ok, suppressed := o.retryLog.Allow(); ok {
		o.log.Warn("request failed; retrying", "url", redact(r.url), "method", o.method, "reason", why, "events", len(r.events),
			"attempt", attempt, "retry_in", wait, "similar_suppressed", suppressed)
	}
}

// sleep waits d, or until done is closed (then it returns false).
func sleep(d time.Duration, done <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// redact hides the password of a URL with credentials, for logs.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}
