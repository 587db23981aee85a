package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// fieldRefs are where the input puts what it knows about a request.
type fieldRefs struct {
	remoteHost, headers event.Ref
	// ECS mode only (zero otherwise).
	version, method, path, domain, port, userAgent, bodyBytes, mimeType event.Ref
}

func newFieldRefs(ecs bool, remoteHost, headers event.Ref) fieldRefs {
	var f fieldRefs
	f.remoteHost, f.headers = remoteHost, headers
	if ecs {
		if f.remoteHost.IsZero() {
			f.remoteHost = event.MustRef("[host][ip]")
		}
		if f.headers.IsZero() {
			f.headers = event.MustRef("[@metadata][input][http][request][headers]")
		}
		f.version = event.MustRef("[http][version]")
		f.method = event.MustRef("[http][method]")
		f.path = event.MustRef("[url][path]")
		f.domain = event.MustRef("[url][domain]")
		f.port = event.MustRef("[url][port]")
		f.userAgent = event.MustRef("[user_agent][original]")
		f.bodyBytes = event.MustRef("[http][request][body][bytes]")
		f.mimeType = event.MustRef("[http][request][mime_type]")
		return f
	}
	if f.remoteHost.IsZero() {
		f.remoteHost = event.MustRef("host")
	}
	if f.headers.IsZero() {
		f.headers = event.MustRef("headers")
	}
	return f
}

// handler serves the input's requests.
type handler struct {
	in  *Input
	q   plugin.Queue
	ctx context.Context // the input's Run context
}

// statusError is a request failure answered with its status code.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer is the largest body buffer kept for reuse.
const maxPooledBuffer = 4 << 20

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in := h.in
	if in.auth && !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Sluice HTTP Input"`)
		reply(w, http.StatusUnauthorized, "")
		return
	}
	// Admission: bounded, never waits.
	select {
	case in.slots <- struct{}{}:
		defer func() { <-in.slots }()
	default:
		busy(w)
		return
	}
	if r.ContentLength > in.MaxContentLength {
		reply(w, http.StatusRequestEntityTooLarge, "request body larger than max_content_length\n")
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			bufPool.Put(buf)
		}
	}()
	body, err := h.readBody(w, r, buf)
	if err != nil {
		var se *statusError
		if errors.As(err, &se) {
			reply(w, se.code, se.msg+"\n")
			return
		}
		in.log.Debug("reading request body failed", "peer", r.RemoteAddr, "error", err)
		reply(w, http.StatusBadRequest, "cannot read request body\n")
		return
	}
	// Decoding and pushing: at most `threads` requests at once.
	select {
	case in.workers <- struct{}{}:
		defer func() { <-in.workers }()
	case <-r.Context().Done():
		return
	}
	code := h.process(r, body)
	if code == http.StatusTooManyRequests {
		busy(w)
		return
	}
	if code != http.StatusOK {
		reply(w, code, "")
		return
	}
	for k, v := range in.respHdr {
		w.Header()[k] = v
	}
	if in.ResponseCode == http.StatusNoContent {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Length", "2")
	w.WriteHeader(in.ResponseCode)
	io.WriteString(w, "ok")
}

func (h *handler) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u := subtle.ConstantTimeCompare([]byte(user), []byte(h.in.User))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(h.in.Password))
	return u&p == 1
}

func busy(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	reply(w, http.StatusTooManyRequests, "server busy, please retry the request later\n")
}

func reply(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	io.WriteString(w, body)
}

// bodyReadTimeout bounds the reading of one request body.
const bodyReadTimeout = time.Minute

// readBody reads r's body into buf, inflating it as its Content-Encoding
// says, and returns it. The size limit applies to the inflated body.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) ([]byte, error) {
	limit := h.in.MaxContentLength
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	tooBig := &statusError{http.StatusRequestEntityTooLarge, "request body larger than max_content_length"}
	var src io.Reader = http.MaxBytesReader(w, r.Body, limit)
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity":
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		if _, err := buf.ReadFrom(src); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, tooBig
			}
			return nil, err
		}
		return buf.Bytes(), nil
	case "gzip", "x-gzip", "deflate":
	default:
		return nil, &statusError{http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported Content-Encoding %q (want gzip or deflate)", enc)}
	}
	// Read the compressed body whole first (bounded by the limit too), then
	// inflate it with the limit on the output.
	raw := bufPool.Get().(*bytes.Buffer)
	raw.Reset()
	defer func() {
		if raw.Cap() <= maxPooledBuffer {
			bufPool.Put(raw)
		}
	}()
	if _, err := raw.ReadFrom(src); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooBig
		}
		return nil, err
	}
	if err := inflate(buf, enc, raw.Bytes(), limit); err != nil {
		if errors.Is(err, errTooBig) {
			return nil, tooBig
		}
		return nil, &statusError{http.StatusBadRequest, fmt.Sprintf("cannot decompress %s body: %v", enc, err)}
	}
	return buf.Bytes(), nil
}

var errTooBig = errors.New("inflated body over the limit")

// inflate appends the decompression of p (gzip, or deflate with or without
// the zlib wrapper) to dst, failing with errTooBig beyond limit bytes.
func inflate(dst *bytes.Buffer, enc string, p []byte, limit int64) error {
	var zr io.Reader
	switch enc {
	case "gzip", "x-gzip":
		gr, err := gzip.NewReader(bytes.NewReader(p))
		if err != nil {
			return err
		}
		defer gr.Close()
		zr = gr
	default:
		if isZlib(p) {
			fr, err := zlib.NewReader(bytes.NewReader(p))
			if err != nil {
				return err
			}
			defer fr.Close()
			zr = fr
		} else {
			fr := flate.NewReader(bytes.NewReader(p))
			defer fr.Close()
			zr = fr
		}
	}
	n, err := dst.ReadFrom(io.LimitReader(zr, limit+1))
	if err != nil {
		return err
	}
	if n > limit {
		return errTooBig
	}
	return nil
}

// isZlib reports whether p starts with a zlib header (RFC 1950): deflate
// method, a window size deflate allows and a valid check value.
func isZlib(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	cmf, flg := p[0], p[1]
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// request is what the input adds to each event of one request.
type request struct {
	remote  string
	headers map[string]any
	// ECS fields.
	version, method, path, domain, userAgent, bodyBytes, mimeType string
	port                                                          int64
}

func (h *handler) newRequest(r *http.Request) *request {
	rq := &request{
		remote:  r.RemoteAddr,
		headers: make(map[string]any, len(r.Header)+6),
		version: r.Proto,
		method:  r.Method,
		path:    r.RequestURI,
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		rq.remote = host
	}
	for k, vs := range r.Header {
		if k == "Authorization" {
			continue
		}
		key := headerKey(k)
		switch key {
		case "accept", "user_agent":
			key = "http_" + key
		}
		rq.headers[key] = strings.Join(vs, ", ")
	}
	if r.Host != "" {
		rq.headers["http_host"] = r.Host
		rq.domain = r.Host
		if host, port, err := net.SplitHostPort(r.Host); err == nil {
			rq.domain = host
			if p, err := strconv.ParseInt(port, 10, 64); err == nil {
				rq.port = p
			}
		}
	}
	rq.headers["request_method"] = r.Method
	rq.headers["request_path"] = r.RequestURI
	rq.headers["http_version"] = r.Proto
	rq.userAgent = r.Header.Get("User-Agent")
	rq.bodyBytes = r.Header.Get("Content-Length")
	rq.mimeType = r.Header.Get("Content-Type")
	return rq
}

// headerKey lower-cases a header name and turns '-' into '_'.
func headerKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		switch {
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		case c == '-':
			b[i] = '_'
		}
	}
	return string(b)
}

// decorate adds the request's fields to e. A field that cannot be set
// (the body put a string where a hash must go) is skipped; the first such
// field is returned for the log.
func (h *handler) decorate(e *event.Event, rq *request) (failed string) {
	f := &h.in.fields
	set := func(ref event.Ref, v any) {
		if err := e.Set(ref, v); err != nil && failed == "" {
			failed = ref.String()
		}
	}
	if !f.version.IsZero() {
		h.decorateECS(e, rq, set)
	}
	hdrs := make(map[string]any, len(rq.headers))
	for k, v := range rq.headers {
		hdrs[k] = v
	}
	set(f.headers, hdrs)
	set(f.remoteHost, rq.remote)
	return failed
}

// decorateECS adds the ECS fields. Where the event has no such top-level
// field yet (the usual case), the hashes are built whole, which is much
// cheaper than setting each field by reference.
func (h *handler) decorateECS(e *event.Event, rq *request, set func(event.Ref, any)) {
	f := &h.in.fields
	fields := e.Fields()
	if _, ok := fields["http"]; ok {
		set(f.version, rq.version)
		set(f.method, rq.method)
		if rq.bodyBytes != "" {
			set(f.bodyBytes, rq.bodyBytes)
		}
		if rq.mimeType != "" {
			set(f.mimeType, rq.mimeType)
		}
	} else {
		m := make(map[string]any, 3)
		m["version"], m["method"] = rq.version, rq.method
		if rq.bodyBytes != "" || rq.mimeType != "" {
			req := make(map[string]any, 2)
			if rq.bodyBytes != "" {
				req["body"] = map[string]any{"bytes": rq.bodyBytes}
			}
			if rq.mimeType != "" {
				req["mime_type"] = rq.mimeType
			}
			m["request"] = req
		}
		fields["http"] = m
	}
	if _, ok := fields["url"]; ok {
		if rq.domain != "" {
			set(f.domain, rq.domain)
		}
		if rq.port != 0 {
			set(f.port, rq.port)
		}
		set(f.path, rq.path)
	} else {
		m := make(map[string]any, 3)
		m["path"] = rq.path
		if rq.domain != "" {
			m["domain"] = rq.domain
		}
		if rq.port != 0 {
			m["port"] = rq.port
		}
		fields["url"] = m
	}
	if rq.userAgent != "" {
		if _, ok := fields["user_agent"]; ok {
			set(f.userAgent, rq.userAgent)
		} else {
			fields["user_agent"] = map[string]any{"original": rq.userAgent}
		}
	}
}

// process decodes body and pushes its events. It returns 200 when every
// event was accepted, 429 when the pipeline stayed full for busy_timeout
// before any event was accepted, 503 at shutdown.
func (h *handler) process(r *http.Request, body []byte) int {
	in := h.in
	codec, ok := in.codecs[mediaType(r.Header.Get("Content-Type"))]
	if !ok {
		codec = in.Codec
	}
	rq := h.newRequest(r)
	p := pusher{h: h, r: r, rq: rq, code: http.StatusOK}
	dec := codec.NewDecoder(plugin.DecoderOptions{
		MaxBytes: int(in.MaxContentLength),
		Logger:   in.log.With("peer", r.RemoteAddr),
	})
	plugin.DecodeMessage(dec, body, p.add)
	p.flush()
	if p.conflicts > 0 {
		if ok, suppressed := in.conflictLog.Allow(); ok {
			in.log.Warn("request fields could not be added to some events because the body has a non-hash value where they go; those fields were skipped",
				"field", p.conflict, "events", p.conflicts, "peer", r.RemoteAddr, "suppressed", suppressed)
		}
	}
	return p.code
}

// pusher collects a request's events and pushes them in batches.
type pusher struct {
	h      *handler
	r      *http.Request
	rq     *request
	batch  []*event.Event
	pushed bool // a batch was accepted
	code   int
	// Events where a request field could not be set, and the first field.
	conflicts int
	conflict  string
}

func (p *pusher) add(e *event.Event) {
	if p.code != http.StatusOK {
		return // a push failed: the request is answered with an error
	}
	if f := p.h.decorate(e, p.rq); f != "" {
		if p.conflicts == 0 {
			p.conflict = f
		}
		p.conflicts++
	}
	p.batch = append(p.batch, e)
	if len(p.batch) >= maxBatch {
		p.flush()
	}
}

func (p *pusher) flush() {
	if len(p.batch) == 0 || p.code != http.StatusOK {
		return
	}
	ctx := p.r.Context()
	if !p.pushed {
		// The first batch may be refused: nothing of the request was
		// accepted, the client can send it again.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.h.in.BusyTimeout)
		defer cancel()
	}
	err := p.h.q.Push(ctx, p.batch, nil)
	clear(p.batch)
	p.batch = p.batch[:0]
	if err == nil {
		p.pushed = true
		return
	}
	log := p.h.in.log
	switch {
	case p.h.ctx.Err() != nil:
		p.code = http.StatusServiceUnavailable
	case p.r.Context().Err() != nil:
		p.code = http.StatusServiceUnavailable
		log.Debug("client went away while its request waited for the pipeline", "peer", p.r.RemoteAddr)
	case !p.pushed:
		p.code = http.StatusTooManyRequests
		log.Debug("pipeline full; answering 429", "peer", p.r.RemoteAddr, "busy_timeout", p.h.in.BusyTimeout)
	default:
		p.code = http.StatusServiceUnavailable
		log.Warn("pipeline refused events", "peer", p.r.RemoteAddr, "error", err)
	}
}
