package gelf

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin/plugintest"
)

// FuzzReassembly feeds datagrams (the input cut at 0xff 0xfe markers) to
// the assembler, with time advancing by the byte after each marker: it
// must never panic, never hold more than its limits and never return a
// message longer than max_message_size.
func FuzzReassembly(f *testing.F) {
	msg := []byte(`{"short_message":"hi"}`)
	var seed []byte
	for _, c := range chunks(1, msg, 3) {
		seed = append(append(seed, c...), 0xff, 0xfe, 1)
	}
	f.Add(seed)
	f.Add(append(append(chunk(5, 1, 2, []byte("b")), 0xff, 0xfe, 200), chunk(5, 0, 2, []byte("a"))...))
	f.Add(append(append(chunk(5, 0, 2, []byte("a")), 0xff, 0xfe, 0), chunk(5, 0, 3, []byte("a"))...))
	f.Add([]byte{0x1e, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x1e, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0, 127, 128, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSize, maxPending, maxBytes = 64, 4, 1000
		a := newAssembler(time.Second, maxSize, maxPending, maxBytes)
		clock := newFakeClock()
		for _, d := range bytes.Split(data, []byte{0xff, 0xfe}) {
			if len(d) > 0 {
				clock.Advance(time.Duration(d[0]) * 10 * time.Millisecond)
				d = d[1:]
			}
			msg, err := a.add(d, clock.Now())
			if err != nil && msg != nil {
				t.Fatal("message and error")
			}
			if len(msg) > maxSize {
				t.Fatalf("%d-byte message", len(msg))
			}
			if a.pendingMessages() > maxPending+1 || a.pendingBytes() > maxBytes || a.pendingBytes() < 0 {
				t.Fatalf("holding %d messages, %d bytes", a.pendingMessages(), a.pendingBytes())
			}
		}
		clock.Advance(time.Second)
		a.expire(clock.Now())
		if a.pendingMessages() != 0 || a.pendingBytes() != 0 || a.order.Len() != 0 {
			t.Fatalf("after expiry: %d messages, %d bytes", a.pendingMessages(), a.pendingBytes())
		}
	})
}

// FuzzPayload inflates and maps any datagram: no panic, bounded output,
// exactly one event for every payload that inflates.
func FuzzPayload(f *testing.F) {
	f.Add([]byte(graypyDoc), false)
	f.Add([]byte(dockerDoc), true)
	f.Add(zlibBytes(f, []byte(dockerDoc)), true)
	f.Add(gzipBytes(f, []byte(graypyDoc)), false)
	f.Add(zlibBytes(f, make([]byte, 10000)), false)
	f.Add([]byte(`{"_":1,"__a":2,"_a":3,"timestamp":-1e308,"full_message":7}`), true)
	f.Add([]byte("\x78\x9c\x00"), false)
	f.Fuzz(func(t *testing.T, data []byte, ecs bool) {
		inf := &inflater{max: 4096}
		m := mapper{remap: true, strip: true, ecs: ecs}
		p, err := inf.payload(data)
		if err != nil {
			return
		}
		if len(p) > 4096 || inf.read > 4097 {
			t.Fatalf("inflated %d bytes (read %d)", len(p), inf.read)
		}
		e := m.event(p, "192.0.2.1")
		if e == nil || e.Timestamp().IsZero() {
			t.Fatal("no event or no @timestamp")
		}
	})
}

// FuzzTCPStream: any byte stream, cut anywhere, gives at most one event per
// null byte (plus a last one) and never fails.
func FuzzTCPStream(f *testing.F) {
	f.Add([]byte("{\"short_message\":\"a\"}\x00{\"short_message\":\"b\"}\x00"), 3)
	f.Add([]byte("\x00\x00 \n\x00{"), 1)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		in := build(t, "v8", "use_tcp", true, "max_message_size", 64)
		q := plugintest.NewQueue()
		st := in.newTCPStream(q, in.log, nil)
		size = max(1, size%512)
		if err := st.run(context.Background(), &chunkReader{data: data, sizes: []int{size}}); err != nil {
			t.Fatal(err)
		}
		if n, limit := len(q.Events()), bytes.Count(data, []byte{0})+1; n > limit {
			t.Fatalf("%d events from %d null bytes", n, limit-1)
		}
	})
}
