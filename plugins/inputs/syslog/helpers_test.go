package syslog

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
)

// build builds a syslog input from a configuration body in pipeline
// syntax, e.g. `port => 0 ecs_compatibility => disabled`.
func build(t testing.TB, body string) *Input {
	t.Helper()
	inst := plugintest.Build(t, plugin.KindInput, "syslog { "+body+" }")
	return inst.Plugin.(*Input)
}

// start runs in until the test ends; it returns the TCP and UDP addresses.
func start(t testing.TB, in *Input, q plugin.Queue) (tcpAddr, udpAddr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	select {
	case <-in.Ready():
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("input not ready")
	}
	if in.Addr() == nil {
		cancel()
		t.Fatalf("input failed to listen: %v", <-done)
	}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Run did not return within 10s of cancel")
			}
		})
	})
	return in.Addr().String(), in.UDPAddr().String()
}

func dialTCP(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func sendUDP(t testing.TB, addr string, msgs ...string) {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, m := range msgs {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
}

func get(e *event.Event, ref string) any {
	v, _ := e.GetField(ref)
	return v
}

// checkFields compares the event's fields with want (field reference →
// value; nil means absent).
func checkFields(t testing.TB, e *event.Event, want map[string]any) {
	t.Helper()
	for ref, w := range want {
		got, ok := e.GetField(ref)
		if w == nil {
			if ok {
				t.Errorf("%s = %#v, want absent", ref, got)
			}
			continue
		}
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", w) {
			t.Errorf("%s = %#v, want %#v", ref, got, w)
		}
	}
}

// byMessage indexes events by message.
func byMessage(evs []*event.Event) map[string]*event.Event {
	m := make(map[string]*event.Event, len(evs))
	for _, e := range evs {
		m[e.Message()] = e
	}
	return m
}
