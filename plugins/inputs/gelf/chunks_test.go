package gelf

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func newTestAssembler() *assembler {
	return newAssembler(5*time.Second, 1<<20, 100, 1<<20)
}

// feed adds datagrams in order and returns the messages completed.
func feed(t *testing.T, a *assembler, now time.Time, datagrams ...[]byte) [][]byte {
	t.Helper()
	var out [][]byte
	for _, d := range datagrams {
		msg, err := a.add(d, now)
		if err != nil {
			t.Fatalf("add %s: %v", describeChunk(d), err)
		}
		if msg != nil {
			out = append(out, msg)
		}
	}
	return out
}

func TestReassembly(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789abcdef"), 100) // 1600 bytes
	now := newFakeClock().Now()
	shuffled := chunks(2, msg, 7)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	withDups := chunks(3, msg, 5)
	withDups = append([][]byte{withDups[1], withDups[0], withDups[1]}, withDups[2], withDups[0], withDups[3], withDups[4])
	for _, tc := range []struct {
		name  string
		dgs   [][]byte
		dups  int64
		count int // datagrams
	}{
		{"in order", chunks(1, msg, 4), 0, 4},
		{"out of order", shuffled, 0, 7},
		{"duplicates", withDups, 2, 7},
		{"one chunk", chunks(4, msg, 1), 0, 1},
		{"128 chunks", chunks(5, msg, 128), 0, 128},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestAssembler()
			got := feed(t, a, now, tc.dgs...)
			if len(got) != 1 || !bytes.Equal(got[0], msg) {
				t.Fatalf("got %d messages (%q...), want the original", len(got), got)
			}
			st := a.snapshot()
			if st.Completed != 1 || st.Duplicates != tc.dups {
				t.Fatalf("stats %+v", st)
			}
			if a.pendingMessages() != 0 || a.pendingBytes() != 0 {
				t.Fatalf("still holding %d messages, %d bytes", a.pendingMessages(), a.pendingBytes())
			}
		})
	}
}

func TestReassemblyInterleaved(t *testing.T) {
	a := newTestAssembler()
	now := newFakeClock().Now()
	m1, m2 := []byte(`{"short_message":"one"}`), []byte(`{"short_message":"two"}`)
	c1, c2 := chunks(10, m1, 3), chunks(11, m2, 3)
	got := feed(t, a, now, c1[0], c2[2], c2[0], c1[2], c2[1], c1[1])
	if len(got) != 2 || !bytes.Equal(got[0], m2) || !bytes.Equal(got[1], m1) {
		t.Fatalf("got %q", got)
	}
}

func TestReassemblyTimeout(t *testing.T) {
	clock := newFakeClock()
	a := newTestAssembler()
	msg := []byte(`{"short_message":"late"}`)
	c := chunks(1, msg, 3)
	feed(t, a, clock.Now(), c[0], c[1])
	// Just before the timeout, the last chunk completes the message.
	clock.Advance(5*time.Second - time.Nanosecond)
	if n := a.expire(clock.Now()); n != 0 {
		t.Fatalf("expired %d before the timeout", n)
	}
	if got := feed(t, a, clock.Now(), c[2]); len(got) != 1 {
		t.Fatal("message not completed within the timeout")
	}

	// Another message misses its last chunk: it expires.
	c = chunks(2, msg, 3)
	feed(t, a, clock.Now(), c[0], c[1])
	clock.Advance(5 * time.Second)
	if n := a.expire(clock.Now()); n != 1 {
		t.Fatalf("expired %d, want 1", n)
	}
	if a.pendingMessages() != 0 || a.pendingBytes() != 0 {
		t.Fatalf("still holding %d messages, %d bytes", a.pendingMessages(), a.pendingBytes())
	}
	// Its late chunk starts a new set, which never completes.
	if got := feed(t, a, clock.Now(), c[2]); len(got) != 0 {
		t.Fatal("late chunk completed a message")
	}
	// Expiry also happens when chunks arrive, without a sweep.
	clock.Advance(6 * time.Second)
	feed(t, a, clock.Now(), chunks(3, msg, 2)[0])
	if st := a.snapshot(); st.Expired != 2 || a.pendingMessages() != 1 {
		t.Fatalf("stats %+v, pending %d", st, a.pendingMessages())
	}
}

func TestChunkErrors(t *testing.T) {
	now := newFakeClock().Now()
	big := bytes.Repeat([]byte("x"), 600)
	for _, tc := range []struct {
		name   string
		before [][]byte // accepted first
		bad    []byte
		want   error
	}{
		{"short header", nil, []byte{0x1e, 0x0f, 1, 2, 3}, errChunkHeader},
		{"header only is fine but count 0", nil, chunk(1, 0, 0, nil), errChunkCount},
		{"129 chunks", nil, chunk(1, 0, 129, []byte("x")), errChunkCount},
		{"255 chunks", nil, chunk(1, 200, 255, []byte("x")), errChunkCount},
		{"sequence past count", nil, chunk(1, 3, 3, []byte("x")), errChunkSeq},
		{"count changes", [][]byte{chunk(1, 0, 3, []byte("a"))}, chunk(1, 1, 4, []byte("b")), errChunkMismatch},
		{"one chunk too large", nil, chunk(1, 0, 1, bytes.Repeat(big, 2)), errChunkTooLarge},
		{"chunks add up too large", [][]byte{chunk(1, 0, 3, big)}, chunk(1, 1, 3, big), errChunkTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAssembler(5*time.Second, 1000, 100, 1<<20)
			feed(t, a, now, tc.before...)
			if _, err := a.add(tc.bad, now); !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if a.pendingBytes() != 0 {
				t.Fatalf("holding %d bytes after a dropped message", a.pendingBytes())
			}
			if st := a.snapshot(); st.Invalid != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// Once a message is dropped, its remaining chunks are refused until it
// expires, instead of starting a set that can never complete.
func TestDroppedMessageStaysDropped(t *testing.T) {
	clock := newFakeClock()
	a := newAssembler(5*time.Second, 1000, 100, 1<<20)
	big := bytes.Repeat([]byte("x"), 600)
	feed(t, a, clock.Now(), chunk(1, 0, 3, big))
	if _, err := a.add(chunk(1, 1, 3, big), clock.Now()); !errors.Is(err, errChunkTooLarge) {
		t.Fatal(err)
	}
	if _, err := a.add(chunk(1, 2, 3, []byte("y")), clock.Now()); !errors.Is(err, errChunkAbandoned) {
		t.Fatalf("later chunk: %v", err)
	}
	clock.Advance(5 * time.Second)
	if n := a.expire(clock.Now()); n != 0 {
		t.Fatalf("a dropped message counted as expired (%d)", n)
	}
	if st := a.snapshot(); st.Expired != 0 || a.pendingMessages() != 0 {
		t.Fatalf("stats %+v", st)
	}
	// The id may be reused after that.
	if got := feed(t, a, clock.Now(), chunks(1, []byte("again"), 2)...); len(got) != 1 {
		t.Fatal("reused id not reassembled")
	}
}

// A flood of distinct incomplete messages keeps memory bounded: the oldest
// are evicted, and a complete message still gets through.
func TestFloodOfIncompleteMessages(t *testing.T) {
	const maxPending, maxBytes = 64, 64 << 10
	a := newAssembler(5*time.Second, 1<<20, maxPending, maxBytes)
	now := newFakeClock().Now()
	payload := bytes.Repeat([]byte("z"), 1000)
	for id := range uint64(10000) {
		if _, err := a.add(chunk(id, 0, 2, payload), now); err != nil {
			t.Fatalf("id %d: %v", id, err)
		}
		if a.pendingMessages() > maxPending || a.pendingBytes() > maxBytes {
			t.Fatalf("after %d ids: %d messages, %d bytes", id+1, a.pendingMessages(), a.pendingBytes())
		}
	}
	st := a.snapshot()
	if st.Evicted < 10000-maxPending {
		t.Fatalf("evicted %d", st.Evicted)
	}
	msg := []byte(`{"short_message":"still works"}`)
	if got := feed(t, a, now, chunks(99999, msg, 2)...); len(got) != 1 || !bytes.Equal(got[0], msg) {
		t.Fatalf("got %q", got)
	}
	// A chunk bigger than max_pending_bytes alone is refused.
	a = newAssembler(5*time.Second, 1<<20, maxPending, 100)
	if _, err := a.add(chunk(1, 0, 2, payload), now); !errors.Is(err, errChunkTooMany) {
		t.Fatalf("oversized chunk: %v", err)
	}
}

// Memory: a flood of 128-chunk messages missing one chunk each stays
// within max_pending_bytes.
func TestFloodOfLargeChunks(t *testing.T) {
	const maxBytes = 1 << 20
	a := newAssembler(5*time.Second, 8<<20, 4096, maxBytes)
	now := newFakeClock().Now()
	payload := bytes.Repeat([]byte("q"), 8000)
	for id := range uint64(20) {
		for seq := range 127 {
			a.add(chunk(id, seq, 128, payload), now)
			if a.pendingBytes() > maxBytes {
				t.Fatalf("holding %d bytes", a.pendingBytes())
			}
		}
	}
	if st := a.snapshot(); st.Evicted == 0 || st.Completed != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A chunk repeated after its message completed is a duplicate, not the
// start of a new message; after the timeout the id may be used again.
func TestDuplicateAfterCompletion(t *testing.T) {
	clock := newFakeClock()
	a := newAssembler(5*time.Second, 1<<20, 4, 1<<20)
	msg := []byte(`{"short_message":"dup"}`)
	c := chunks(1, msg, 3)
	if got := feed(t, a, clock.Now(), c...); len(got) != 1 {
		t.Fatal("not reassembled")
	}
	clock.Advance(time.Second)
	if got := feed(t, a, clock.Now(), c[1]); len(got) != 0 || a.pendingMessages() != 0 {
		t.Fatalf("late duplicate started a new message")
	}
	if st := a.snapshot(); st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	clock.Advance(4 * time.Second)
	if got := feed(t, a, clock.Now(), c...); len(got) != 1 {
		t.Fatal("id not reusable after the timeout")
	}
	// The memory of completed ids is bounded by the ring.
	for id := range uint64(100) {
		feed(t, a, clock.Now(), chunks(id+10, msg, 2)...)
	}
	if len(a.recent) > 4 {
		t.Fatalf("remembering %d ids", len(a.recent))
	}
}

// Sets announcing 128 chunks and sending one byte cost more than that
// byte: their bookkeeping counts against max_pending_bytes too.
func TestFloodOfTinyChunks(t *testing.T) {
	const maxBytes = 100 << 10
	a := newAssembler(5*time.Second, 1<<20, 1<<20, maxBytes)
	now := newFakeClock().Now()
	for id := range uint64(10000) {
		if _, err := a.add(chunk(id, 0, 128, []byte("x")), now); err != nil {
			t.Fatal(err)
		}
	}
	if n, b := a.pendingMessages(), a.pendingBytes(); n > maxBytes/setOverhead(128) || b > maxBytes {
		t.Fatalf("holding %d messages, %d bytes", n, b)
	}
}
