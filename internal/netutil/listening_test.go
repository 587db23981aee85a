package netutil

import (
	"net"
	"testing"
)

func TestListening(t *testing.T) {
	var l Listening
	ready := l.Ready()
	select {
	case <-ready:
		t.Fatal("ready before MarkReady")
	default:
	}
	a := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	b := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2}
	l.MarkReady(a, b)
	<-ready
	if l.Addr() != a || l.AddrAt(1) != b || l.AddrAt(2) != nil {
		t.Fatalf("addrs %v %v %v", l.Addr(), l.AddrAt(1), l.AddrAt(2))
	}
	l.MarkReady(nil) // again, after a failed reopen: no panic, address cleared
	if l.Addr() != nil {
		t.Fatalf("addr %v after a failed reopen", l.Addr())
	}
}

func TestHeldListener(t *testing.T) {
	var h HeldListener
	a, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.Hold(a)
	h.Hold(b) // replaces a, which is closed
	if _, err := a.Accept(); err == nil {
		t.Fatal("the replaced listener is still open")
	}
	if got := h.Take(); got != b {
		t.Fatalf("Take = %v, want the last held", got)
	}
	if h.Take() != nil {
		t.Fatal("Take twice returned a listener")
	}
	h.Hold(b)
	if err := h.CloseHeld(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Accept(); err == nil {
		t.Fatal("CloseHeld left the listener open")
	}
}
