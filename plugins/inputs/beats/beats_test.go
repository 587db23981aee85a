package beats

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lumber "github.com/elastic/go-lumber/client/v2"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/lumberjack"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// checkAll checks that q got the events numbered 0..n-1, each once.
func checkAll(t *testing.T, q *recordQueue, n int) {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.total != n {
		t.Fatalf("%d events pushed, want %d", q.total, n)
	}
	for i := range n {
		if q.seen[int64(i)] != 1 {
			t.Fatalf("event %d pushed %d times, want once", i, q.seen[int64(i)])
		}
	}
}

func TestGoLumberSyncClient(t *testing.T) {
	for _, level := range []int{0, 3} {
		for _, window := range []int{1, 7, 2048, 10000} {
			t.Run(fmt.Sprintf("compression=%d/window=%d", level, window), func(t *testing.T) {
				in := build(t, "v8", "host", "127.0.0.1", "port", 0)
				q := newRecordQueue()
				addr, _ := start(t, in, q)
				n := max(2*window+window/2, 20)
				syncSend(t, addr, docs(0, n), window, lumber.CompressionLevel(level), lumber.Timeout(10*time.Second))
				checkAll(t, q, n)
			})
		}
	}
}

func TestGoLumberAsyncClient(t *testing.T) {
	for _, level := range []int{0, 3} {
		t.Run(fmt.Sprintf("compression=%d", level), func(t *testing.T) {
			in := build(t, "v8", "host", "127.0.0.1", "port", 0)
			q := newRecordQueue()
			addr, _ := start(t, in, q)
			cl, err := lumber.AsyncDial(addr, 4, lumber.CompressionLevel(level), lumber.Timeout(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			const windows, size = 40, 257
			var wg sync.WaitGroup
			errs := make(chan error, windows)
			for w := range windows {
				wg.Add(1)
				err := cl.Send(func(seq uint32, err error) {
					defer wg.Done()
					if err == nil && seq != size {
						err = fmt.Errorf("window %d: ACK %d, want %d", w, seq, size)
					}
					if err != nil {
						errs <- err
					}
				}, docs(w*size, size))
				if err != nil {
					t.Fatalf("send window %d: %v", w, err)
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			checkAll(t, q, windows*size)
		})
	}
}

func TestManyConnections(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := newRecordQueue()
	addr, _ := start(t, in, q)
	const conns, per, window = 40, 300, 64
	var wg sync.WaitGroup
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			syncSend(t, addr, docs(c*per, per), window, lumber.CompressionLevel(c%2*3), lumber.Timeout(10*time.Second))
		}()
	}
	wg.Wait()
	checkAll(t, q, conns*per)
}

// sendOne sends one document with go-lumber and returns the event made.
func sendOne(t *testing.T, in *Input, doc map[string]any) *event.Event {
	t.Helper()
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	syncSend(t, addr, []any{doc}, 1)
	return q.Wait(t, 1, 5*time.Second)[0]
}

func get(e *event.Event, ref string) any {
	v, _ := e.GetField(ref)
	return v
}

func TestEventFields(t *testing.T) {
	doc := func() map[string]any { return docs(7, 1)[0].(map[string]any) }
	ts := time.Date(2026, 11, 24, 5, 31, 46, 123e6, time.UTC)
	type want map[string]any // field reference → value (nil: absent)
	cases := []struct {
		name string
		ecs  string
		kv   []any
		doc  map[string]any
		want want
		tags []string
	}{
		{"ECS", "v8", nil, doc(), want{
			"message": "line 7 of the log", "[event][original]": "line 7 of the log",
			"[@metadata][beat]": "filebeat", "[@metadata][type]": "_doc", "[@metadata][version]": "8.15.0",
			"[@metadata][input][beats][host][ip]": "127.0.0.1", "[@metadata][ip_address]": nil,
			"[host][name]": "web-1", "[agent][hostname]": "web-1", "[log][file][path]": "/var/log/app.log",
			"n": int64(7), "@version": "1",
		}, []string{"beats_input_codec_plain_applied"}},
		{"ECS disabled", "disabled", nil, doc(), want{
			"message": "line 7 of the log", "[event][original]": nil,
			"[@metadata][beat]": "filebeat", "[@metadata][ip_address]": "127.0.0.1",
			"[@metadata][input]": nil, "[host][name]": "web-1",
		}, []string{"beats_input_codec_plain_applied"}},
		{"document event.original wins", "v8", nil, func() map[string]any {
			d := doc()
			d["event"] = map[string]any{"original": "raw bytes", "dataset": "app"}
			return d
		}(), want{"message": "line 7 of the log", "[event][original]": "raw bytes", "[event][dataset]": "app"}, []string{"beats_input_codec_plain_applied"}},
		{"no message", "v8", nil, func() map[string]any {
			d := doc()
			delete(d, "message")
			d["metricset"] = map[string]any{"name": "cpu"}
			return d
		}(), want{"message": nil, "[event][original]": nil, "[metricset][name]": "cpu", "[@metadata][beat]": "filebeat"},
			[]string{"beats_input_raw_event"}},
		{"enrich none", "v8", []any{"enrich", "=none"}, doc(), want{
			"message": "line 7 of the log", "[event][original]": nil, "[@metadata][input]": nil,
		}, nil},
		{"enrich source only", "v8", []any{"enrich", []string{"source_metadata"}}, doc(), want{
			"[@metadata][input][beats][host][ip]": "127.0.0.1", "[event][original]": nil,
		}, nil},
		{"include_codec_tag false", "v8", []any{"include_codec_tag", false}, doc(), want{
			"[@metadata][input][beats][host][ip]": "127.0.0.1",
		}, nil},
		{"add_hostname legacy", "disabled", []any{"add_hostname", true}, func() map[string]any {
			d := doc()
			delete(d, "host")
			d["beat"] = map[string]any{"hostname": "old-beat"}
			return d
		}(), want{"host": "old-beat"}, []string{"beats_input_codec_plain_applied"}},
		{"add_hostname agent fallback, ECS", "v8", []any{"add_hostname", true}, doc(),
			want{"[@metadata][input][beats][host][name]": "web-1", "[host][name]": "web-1"}, []string{"beats_input_codec_plain_applied"}},
		{"add_hostname keeps host", "disabled", []any{"add_hostname", true}, func() map[string]any {
			d := doc()
			d["beat"] = map[string]any{"hostname": "old-beat"}
			return d
		}(), want{"[host][name]": "web-1"}, []string{"beats_input_codec_plain_applied"}},
		{"json codec", "v8", []any{"codec", "=json"}, func() map[string]any {
			d := doc()
			d["message"] = `{"level":"INFO","msg":"hello","log":{"logger":"app"},"n":99}`
			return d
		}(), want{
			"level": "INFO", "msg": "hello", "[log][logger]": "app", "[log][file][path]": "/var/log/app.log",
			"n": int64(7), "[@metadata][beat]": "filebeat", "message": nil,
		}, []string{"beats_input_codec_json_applied"}},
		{"line codec", "disabled", []any{"codec", "=line"}, doc(), want{
			"message": "line 7 of the log", "[@metadata][ip_address]": "127.0.0.1",
		}, []string{"beats_input_codec_line_applied"}},
		{"non-string message", "v8", nil, func() map[string]any {
			d := doc()
			d["message"] = map[string]any{"a": 1}
			return d
		}(), want{"message": `{"a":1}`}, []string{"beats_input_codec_plain_applied"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := build(t, tc.ecs, append([]any{"host", "127.0.0.1", "port", 0}, tc.kv...)...)
			e := sendOne(t, in, tc.doc)
			for ref, w := range tc.want {
				got, ok := e.GetField(ref)
				if w == nil {
					if ok {
						t.Errorf("%s = %#v, want it absent", ref, got)
					}
					continue
				}
				if got != w {
					t.Errorf("%s = %#v, want %#v", ref, got, w)
				}
			}
			if tags := e.Tags(); !slices.Equal(tags, tc.tags) && !(len(tags) == 0 && len(tc.tags) == 0) {
				t.Errorf("tags = %v, want %v", tags, tc.tags)
			}
			if !e.Timestamp().Equal(ts) {
				t.Errorf("@timestamp = %v, want %v", e.Timestamp(), ts)
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	cases := []struct {
		kv  []any
		msg string
	}{
		{[]any{"ssl", true}, "obsolete"},
		{[]any{"ssl_verify_mode", "peer"}, "ssl_client_authentication"},
		{[]any{"enrich", []string{"all", "source_metadata"}}, "alias"},
		{[]any{"enrich", []string{"bogus"}}, "unknown `enrich`"},
		{[]any{"enrich", []string{"source_metadata"}, "include_codec_tag", true}, "only `enrich`"},
		{[]any{"enrich", []string{"ssl_peer_metadata"}}, "ssl_client_authentication"},
		{[]any{"ssl_enabled", true}, "ssl_certificate"},
		{[]any{"max_window_size", 0}, "max_window_size"},
		{[]any{"client_inactivity_timeout", 0}, "client_inactivity_timeout"},
	}
	for _, tc := range cases {
		_, err := buildErr("v8", append([]any{"port", 0}, tc.kv...)...)
		if err == nil || !contains(err.Error(), tc.msg) {
			t.Errorf("%v: error %v, want one mentioning %q", tc.kv, err, tc.msg)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// rawConn dials the input for hand-made frames.
func rawConn(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readACK reads one ACK frame.
func readACK(t *testing.T, c net.Conn) (version byte, seq uint32) {
	t.Helper()
	var b [6]byte
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, b[:]); err != nil {
		t.Fatalf("read ACK: %v", err)
	}
	if b[1] != 'A' {
		t.Fatalf("frame %q, want an ACK", b[:2])
	}
	return b[0], binary.BigEndian.Uint32(b[2:])
}

func TestLogstashForwarderV1(t *testing.T) {
	in := build(t, "disabled", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	c := rawConn(t, addr)
	// Sequence numbers continue across windows, as logstash-forwarder does.
	var b []byte
	b = lumberjack.AppendWindow(b, lumberjack.V1, 2)
	b = lumberjack.AppendData(b, 41, "line", "first", "file", "/var/log/a.log", "host", "lsf-1", "offset", "0")
	b = lumberjack.AppendData(b, 42, "line", "second", "file", "/var/log/a.log", "host", "lsf-1", "offset", "6")
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
	if v, seq := readACK(t, c); v != '1' || seq != 42 {
		t.Fatalf("ACK version %q seq %d, want '1' 42", v, seq)
	}
	// A compressed window of v1 frames.
	var inner []byte
	inner = lumberjack.AppendData(inner, 43, "line", "third", "host", "lsf-1")
	b = lumberjack.AppendWindow(nil, lumberjack.V1, 1)
	b, _ = lumberjack.AppendCompressed(b, lumberjack.V1, 6, inner)
	c.Write(b)
	if v, seq := readACK(t, c); v != '1' || seq != 43 {
		t.Fatalf("ACK version %q seq %d, want '1' 43", v, seq)
	}
	evs := q.Wait(t, 3, 5*time.Second)
	for i, msg := range []string{"first", "second", "third"} {
		e := evs[i]
		if e.Message() != msg || get(e, "line") != nil || get(e, "host") != "lsf-1" || get(e, "[@metadata][ip_address]") != "127.0.0.1" {
			t.Errorf("event %d: %v", i, e.Fields())
		}
	}
	if get(evs[0], "file") != "/var/log/a.log" || get(evs[0], "offset") != "0" {
		t.Errorf("fields: %v", evs[0].Fields())
	}
}

func TestNotJSONObjectIsKept(t *testing.T) {
	in := build(t, "v8", "host", "127.0.0.1", "port", 0)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	c := rawConn(t, addr)
	var b []byte
	b = lumberjack.AppendWindow(b, lumberjack.V2, 2)
	b = lumberjack.AppendJSON(b, 1, []byte(`["not", "an object"]`))
	b = lumberjack.AppendJSON(b, 2, []byte(`{"message":"fine"}`))
	c.Write(b)
	if _, seq := readACK(t, c); seq != 2 {
		t.Fatalf("ACK %d, want 2", seq)
	}
	evs := q.Wait(t, 2, 5*time.Second)
	if evs[0].Message() != `["not", "an object"]` || !evs[0].HasTag("_jsonparsefailure") {
		t.Errorf("bad document event: %v", evs[0].Fields())
	}
	if evs[1].Message() != "fine" {
		t.Errorf("good document event: %v", evs[1].Fields())
	}
}
