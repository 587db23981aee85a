package pipeline

import "sync/atomic"

// tracker counts the events of one Push (and events filters derived from
// them) still in flight; it calls ack when the count reaches zero.
type tracker struct {
	n   atomic.Int64
	ack func()
}

func newTracker(n int, ack func()) *tracker {
	t := &tracker{ack: ack}
	t.n.Store(int64(n))
	return t
}

func (t *tracker) Add(delta int) { t.n.Add(int64(delta)) }

func (t *tracker) Done() {
	switch n := t.n.Add(-1); {
	case n == 0:
		t.ack()
	case n < 0:
		panic("BUG: event acknowledged twice")
	}
}
