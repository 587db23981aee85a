package syslog

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

var benchLines = map[string]string{
	"rfc3164": "<38>Nov 24 04:59:01 web-1 sshd[2042]: Accepted publickey for deploy from 10.1.2.3 port 51234 ssh2",
	"forward": "<86>2026-11-24T05:31:46.123456+01:00 web-1 sshd[99]: Connection closed by 10.1.2.3 port 51234 [preauth]",
	"rfc5424": `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry`,
	"python":  "<11>myapp[4242]: payment failed for order 1234: card declined\x00",
}

func BenchmarkParse(b *testing.B) {
	p := testParser()
	for name, line := range benchLines {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if _, ok := p.Parse(line); !ok {
					b.Fatal("not parsed")
				}
			}
		})
	}
}

// BenchmarkApply measures parsing plus setting the event's fields.
func BenchmarkApply(b *testing.B) {
	p := testParser()
	for _, ecs := range []bool{false, true} {
		f := newFieldNames(ecs, event.MustRef("message"), []string{"kernel", "user-level", "mail", "system", "security/authorization"}, []string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}, true, "system")
		for name, line := range benchLines {
			b.Run(fmt.Sprintf("ecs=%v/%s", ecs, name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(line)))
				var ip any = "127.0.0.1"
				for b.Loop() {
					e := event.NewMessage(line)
					f.apply(p, e, ip)
				}
			})
		}
	}
}

type countQueue struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (q *countQueue) Push(_ context.Context, events []*event.Event, _ func()) error {
	if q.n.Add(int64(len(events))) >= q.want {
		select {
		case <-q.done:
		default:
			close(q.done)
		}
	}
	return nil
}

// BenchmarkTCP sends RFC 3164 lines over one TCP connection.
func BenchmarkTCP(b *testing.B) {
	for _, framing := range []string{"lf", "octet"} {
		b.Run(framing, func(b *testing.B) {
			in := build(b, `host => "127.0.0.1" port => 0 ecs_compatibility => v8`)
			line := benchLines["rfc3164"]
			var chunk strings.Builder
			for range 100 {
				if framing == "octet" {
					fmt.Fprintf(&chunk, "%d %s", len(line), line)
				} else {
					chunk.WriteString(line + "\n")
				}
			}
			data := []byte(chunk.String())
			n := b.N/100 + 1
			q := &countQueue{want: int64(n * 100), done: make(chan struct{})}
			addr, _ := start(b, in, q)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.ReportAllocs()
			b.SetBytes(int64(len(line) + 1))
			b.ResetTimer()
			for range n {
				if _, err := c.Write(data); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case <-q.done:
			case <-time.After(time.Minute):
				b.Fatalf("%d of %d events", q.n.Load(), q.want)
			}
		})
	}
}
