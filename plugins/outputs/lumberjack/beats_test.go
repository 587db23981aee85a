package lumberjack

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil/netutiltest"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
	"github.com/sluicelog/sluice/plugins/inputs/beats"
)

// startBeats runs Sluice's own beats input (what `sluice serve` listens
// with) and returns its address and the queue it pushes into.
func startBeats(t testing.TB, settings string) (string, *plugintest.Queue) {
	t.Helper()
	q := plugintest.NewQueue()
	return startBeatsQueue(t, settings, q), q
}

func startBeatsQueue(t testing.TB, settings string, q plugin.Queue) string {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, "beats { host => \"127.0.0.1\" port => 0 "+settings+" }")
	in := inst.Plugin.(*beats.Input)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-in.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("beats input not ready")
	}
	if in.Addr() == nil {
		t.Fatal("beats input did not listen")
	}
	return in.Addr().String()
}

// countQueue counts and forgets what it is given.
type countQueue struct{ n atomic.Int64 }

func (c *countQueue) Push(_ context.Context, evs []*event.Event, ack func()) error {
	c.n.Add(int64(len(evs)))
	if ack != nil {
		ack()
	}
	return nil
}

func TestOwnBeatsInputTLSClientCert(t *testing.T) {
	certs := netutiltest.New(t)
	addr, q := startBeats(t, fmt.Sprintf(`ssl_enabled => true ssl_certificate => %q ssl_key => %q
		ssl_certificate_authorities => [%q] ssl_client_authentication => "required"`, certs.ServerCert, certs.ServerKey, certs.CA))

	// Without a client certificate the server refuses: Write keeps
	// retrying until its context ends.
	noCert := build(t, fmt.Sprintf(`hosts => [%q] ssl_certificate => %q timeout => 1 backoff_init => 0.05`, addr, certs.CA))
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := noCert.Write(ctx, events(3, "refused")); err == nil {
		t.Fatal("delivered without a client certificate")
	}

	o := build(t, fmt.Sprintf(`hosts => [%q] ssl_certificate => %q ssl_client_certificate => %q ssl_client_key => %q`,
		addr, certs.CA, certs.ClientCert, certs.ClientKey))
	evs := events(300, "tls")
	evs[0].SetField("[log][file][path]", "/var/log/app.log")
	if err := o.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	got := q.Wait(t, 300, 5*time.Second)
	if len(got) != 300 {
		t.Fatalf("beats input got %d events, want 300", len(got))
	}
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message())
	}
	checkAll(t, msgs, 300, "tls")
	if p, _ := got[0].GetField("[log][file][path]"); p != "/var/log/app.log" {
		t.Errorf("[log][file][path] = %v", p)
	}
	if b, _ := got[0].GetField("[@metadata][beat]"); b != "sluice" {
		t.Errorf("[@metadata][beat] = %v, want sluice", b)
	}
}

// `certificate` checks the chain only; an untrusted CA fails; `none`
// checks nothing.
func TestVerificationMode(t *testing.T) {
	certs := netutiltest.New(t)
	addr, q := startBeats(t, fmt.Sprintf(`ssl_enabled => true ssl_certificate => %q ssl_key => %q`, certs.ServerCert, certs.ServerKey))
	o := build(t, fmt.Sprintf(`hosts => [%q] ssl_certificate => %q ssl_verification_mode => "certificate"`, addr, certs.CA))
	if err := o.Write(context.Background(), events(1, "chain only")); err != nil {
		t.Fatal(err)
	}
	q.Wait(t, 1, 5*time.Second)
	// An untrusted CA fails whatever the mode but none.
	untrusted := build(t, fmt.Sprintf(`hosts => [%q] ssl_certificate => %q backoff_init => 0.05`, addr, certs.OtherCA))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := untrusted.Write(ctx, events(1, "untrusted")); err == nil {
		t.Fatal("server with an untrusted certificate accepted")
	}
	none := build(t, fmt.Sprintf(`hosts => [%q] ssl_enabled => true ssl_verification_mode => "none"`, addr))
	if err := none.Write(context.Background(), events(1, "none")); err != nil {
		t.Fatal(err)
	}
	q.Wait(t, 2, 5*time.Second)
}

// BenchmarkToBeatsInput sends 2048-event windows of 200-byte log events
// to Sluice's beats input (which acknowledges them as its queue takes
// them).
func BenchmarkToBeatsInput(b *testing.B) {
	for _, level := range []int{0, 3} {
		b.Run(fmt.Sprintf("compression_level=%d", level), func(b *testing.B) {
			q := &countQueue{}
			addr := startBeatsQueue(b, "", q)
			o := build(b, fmt.Sprintf(`hosts => [%q] compression_level => %d`, addr, level))
			evs := make([]*event.Event, 2048)
			for i := range evs {
				evs[i] = event.NewMessage(fmt.Sprintf("2026-11-24 05:31:46,123 INFO app.views GET /api/v1/items?page=%d 200 in 12ms user=42", i))
				evs[i].SetField("[log][file][path]", "/var/log/app.log")
				evs[i].SetField("[log][offset]", int64(i*120))
				evs[i].SetField("[host][name]", "web-7")
			}
			doc := appendDoc(nil, evs[0])
			b.SetBytes(int64(len(doc) * len(evs)))
			b.ReportAllocs()
			for b.Loop() {
				if err := o.Write(context.Background(), evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(q.n.Load())/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// A server that refuses windows larger than it allows (the beats input's
// max_window_size) still gets everything: the window shrinks after a
// window fails without acknowledgement.
func TestWindowShrinksForStrictServer(t *testing.T) {
	addr, q := startBeats(t, "max_window_size => 100")
	o := build(t, fmt.Sprintf(`hosts => [%q] bulk_max_size => 1000 backoff_init => 0.01 backoff_max => 0.05`, addr))
	if err := o.Write(context.Background(), events(1000, "ev")); err != nil {
		t.Fatal(err)
	}
	got := q.Wait(t, 1000, 5*time.Second)
	if len(got) != 1000 {
		t.Fatalf("got %d events, want 1000", len(got))
	}
	if w := o.pool.win.get(); w > 100 {
		t.Errorf("window %d after the server refused larger ones", w)
	}
}
