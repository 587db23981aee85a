package gelf

import (
	"container/list"
	"errors"
	"fmt"
	"sync"
	"time"
)

// GELF chunking (UDP): a message too long for one datagram is sent as up to
// 128 chunks, each starting with a 12-byte header: the magic bytes 0x1e
// 0x0f, an 8-byte message id, the chunk's sequence number (from 0) and the
// number of chunks. The chunks' payloads, concatenated in sequence order,
// are the message (possibly compressed). Every chunk must arrive within
// five seconds of the first.
const (
	chunkMagic0     = 0x1e
	chunkMagic1     = 0x0f
	chunkHeaderSize = 12
	// MaxChunks is the most chunks a GELF message may have.
	MaxChunks = 128
)

// isChunk reports whether a datagram starts with the chunk magic bytes.
func isChunk(p []byte) bool {
	return len(p) >= 2 && p[0] == chunkMagic0 && p[1] == chunkMagic1
}

// chunkID is a chunked message's id.
type chunkID [8]byte

// Reassembly errors: the chunk (and, for some, its whole message) is
// dropped.
var (
	errChunkHeader    = errors.New("chunk shorter than the 12-byte GELF chunk header")
	errChunkCount     = errors.New("chunk count is 0 or more than 128")
	errChunkSeq       = errors.New("chunk sequence number is not below the chunk count")
	errChunkMismatch  = errors.New("chunk count differs from the other chunks of the message; message dropped")
	errChunkTooLarge  = errors.New("chunks add up to more than max_message_size; message dropped")
	errChunkTooMany   = errors.New("chunk does not fit in max_pending_bytes; message dropped")
	errChunkAbandoned = errors.New("chunk of a message already dropped")
)

// chunkSet holds the chunks of one message received so far.
type chunkSet struct {
	id    chunkID
	first time.Time // when the first chunk arrived
	count int       // chunks announced
	got   int       // distinct chunks received
	size  int       // bytes of chunk data held
	// overhead is the memory the set costs besides its data (counted
	// against max_pending_bytes, so that a flood of sets announcing 128
	// chunks and sending one tiny chunk each stays bounded too).
	overhead int
	parts    [][]byte // by sequence number; nil until received
	// dead marks a message dropped (too large, inconsistent): its later
	// chunks are ignored until it expires, instead of starting a new set
	// that could never complete.
	dead bool
	elem *list.Element // in assembler.order
}

// assemblerStats counts what the assembler dropped.
type assemblerStats struct {
	Completed  int64 // messages reassembled
	Expired    int64 // incomplete messages dropped after the timeout
	Evicted    int64 // incomplete messages dropped to bound memory
	Invalid    int64 // chunks refused (bad header, inconsistent, too large)
	Duplicates int64 // chunks received twice (ignored)
}

// assembler reassembles chunked GELF messages with bounded memory: at most
// maxPending messages and maxPendingBytes bytes of chunks are held; a
// message may hold at most maxSize bytes; a message not complete within
// timeout of its first chunk is dropped. Time is passed in by the caller
// (tests drive it). It is safe for concurrent use.
type assembler struct {
	timeout         time.Duration
	maxSize         int
	maxPending      int
	maxPendingBytes int

	mu      sync.Mutex
	pending map[chunkID]*chunkSet
	order   list.List // *chunkSet, oldest first
	bytes   int       // bytes held by every pending set
	stats   assemblerStats
	// Recently completed messages (id → first chunk's time), so that a
	// duplicate chunk arriving after its message completed is ignored
	// instead of starting a set that would never complete. A ring of
	// maxPending ids bounds it.
	recent     map[chunkID]time.Time
	recentRing []recentID
	recentNext int
}

type recentID struct {
	id    chunkID
	first time.Time
}

func newAssembler(timeout time.Duration, maxSize, maxPending, maxPendingBytes int) *assembler {
	return &assembler{
		timeout:         timeout,
		maxSize:         maxSize,
		maxPending:      maxPending,
		maxPendingBytes: maxPendingBytes,
		pending:         map[chunkID]*chunkSet{},
		recent:          map[chunkID]time.Time{},
		recentRing:      make([]recentID, 0, min(maxPending, 1<<16)),
	}
}

// add takes one chunk datagram (header included; not kept: its payload is
// copied). When the chunk completes its message, add returns the message
// (the payloads concatenated, in a new slice). A nil message and a nil
// error mean the chunk was stored (or was a duplicate). An error says why
// the chunk was refused. Incomplete messages dropped on the way (expired,
// or evicted to make room) are counted in the stats.
func (a *assembler) add(p []byte, now time.Time) (msg []byte, err error) {
	if len(p) < chunkHeaderSize {
		a.count(&a.stats.Invalid)
		return nil, errChunkHeader
	}
	var id chunkID
	copy(id[:], p[2:10])
	seq, count := int(p[10]), int(p[11])
	data := p[chunkHeaderSize:]
	if count == 0 || count > MaxChunks {
		a.count(&a.stats.Invalid)
		return nil, errChunkCount
	}
	if seq >= count {
		a.count(&a.stats.Invalid)
		return nil, errChunkSeq
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	a.expireLocked(now)
	s := a.pending[id]
	if s == nil {
		if t, ok := a.recent[id]; ok && now.Sub(t) < a.timeout {
			a.stats.Duplicates++
			return nil, nil
		}
		if count == 1 {
			// A message in one chunk: nothing to wait for.
			if len(data) > a.maxSize {
				a.stats.Invalid++
				return nil, errChunkTooLarge
			}
			a.stats.Completed++
			return append([]byte(nil), data...), nil
		}
		s = &chunkSet{id: id, first: now, count: count, parts: make([][]byte, count), overhead: setOverhead(count)}
		a.bytes += s.overhead
		a.pending[id] = s
		s.elem = a.order.PushBack(s)
	}
	switch {
	case s.dead:
		a.stats.Invalid++
		return nil, errChunkAbandoned
	case s.count != count:
		a.stats.Invalid++
		a.kill(s)
		return nil, errChunkMismatch
	case s.parts[seq] != nil:
		a.stats.Duplicates++
		return nil, nil
	case s.size+len(data) > a.maxSize:
		a.stats.Invalid++
		a.kill(s)
		return nil, errChunkTooLarge
	}
	// Make room: drop the oldest incomplete messages (never s itself).
	for len(a.pending) > a.maxPending || a.bytes+len(data) > a.maxPendingBytes {
		e := a.order.Front()
		if e != nil && e.Value.(*chunkSet) == s {
			e = e.Next()
		}
		if e == nil {
			break
		}
		old := e.Value.(*chunkSet)
		a.remove(old)
		if !old.dead {
			a.stats.Evicted++
		}
	}
	if a.bytes+len(data) > a.maxPendingBytes {
		a.stats.Invalid++
		a.kill(s)
		return nil, errChunkTooMany
	}
	// Chunks are usually the same size: one allocation per chunk.
	s.parts[seq] = append(make([]byte, 0, len(data)+1), data...) // never nil, even when empty
	s.got++
	s.size += len(data)
	a.bytes += len(data)
	if s.got < s.count {
		return nil, nil
	}
	a.remove(s)
	a.remember(s)
	a.stats.Completed++
	msg = make([]byte, 0, s.size)
	for _, part := range s.parts {
		msg = append(msg, part...)
	}
	return msg, nil
}

// remember records a completed message's id.
func (a *assembler) remember(s *chunkSet) {
	if cap(a.recentRing) == 0 {
		return
	}
	r := recentID{s.id, s.first}
	if len(a.recentRing) < cap(a.recentRing) {
		a.recentRing = append(a.recentRing, r)
	} else {
		old := a.recentRing[a.recentNext]
		if t, ok := a.recent[old.id]; ok && t.Equal(old.first) {
			delete(a.recent, old.id) // not remembered again since
		}
		a.recentRing[a.recentNext] = r
		a.recentNext = (a.recentNext + 1) % len(a.recentRing)
	}
	a.recent[s.id] = s.first
}

// setOverhead estimates a chunk set's memory besides its data: the
// struct, its list element and map entry, and a slice header per chunk.
func setOverhead(count int) int { return 160 + 24*count }

// kill frees a message's chunks and marks it dropped until it expires.
func (a *assembler) kill(s *chunkSet) {
	a.bytes -= s.size + s.overhead
	s.size, s.overhead = 0, 0
	s.parts = nil
	s.dead = true
}

func (a *assembler) remove(s *chunkSet) {
	a.bytes -= s.size + s.overhead
	delete(a.pending, s.id)
	a.order.Remove(s.elem)
}

// expire drops the messages whose first chunk is older than the timeout
// and returns how many incomplete ones were dropped.
func (a *assembler) expire(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.expireLocked(now)
}

func (a *assembler) expireLocked(now time.Time) int {
	n := 0
	for e := a.order.Front(); e != nil; e = a.order.Front() {
		s := e.Value.(*chunkSet)
		if now.Sub(s.first) < a.timeout {
			break
		}
		a.remove(s)
		if !s.dead {
			a.stats.Expired++
			n++
		}
	}
	return n
}

// pendingMessages and pendingBytes report what the assembler holds.
func (a *assembler) pendingMessages() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.pending)
}

func (a *assembler) pendingBytes() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bytes
}

func (a *assembler) snapshot() assemblerStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

func (a *assembler) count(c *int64) {
	a.mu.Lock()
	*c++
	a.mu.Unlock()
}

// describeChunk names a chunk for log lines.
func describeChunk(p []byte) string {
	if len(p) < chunkHeaderSize {
		return fmt.Sprintf("%d-byte datagram", len(p))
	}
	return fmt.Sprintf("message id %x, chunk %d of %d", p[2:10], p[10], p[11])
}
