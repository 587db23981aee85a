package syslog

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

const waitFor = 10 * time.Second

func TestLegacyFieldsUDP(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => disabled timezone => "UTC"`)
	q := plugintest.NewQueue()
	_, udp := start(t, in, q)
	sendUDP(t, udp,
		"<38>2026-11-24T04:59:01Z web-1 sshd[2042]: Accepted publickey for deploy",
		"<86>2026-11-24T05:00:00.5+01:00 web-1 CRON[7]: (root) CMD (true)\n",
		"<14>python says hi\x00",
	)
	evs := byMessage(q.Wait(t, 3, waitFor))
	e := evs["Accepted publickey for deploy"]
	if e == nil {
		t.Fatalf("events %v", evs)
	}
	checkFields(t, e, map[string]any{
		"priority": int64(38), "facility": int64(4), "severity": int64(6),
		"facility_label": "security/authorization", "severity_label": "Informational",
		"timestamp": "2026-11-24T04:59:01Z", "timestamp8601": "2026-11-24T04:59:01Z",
		"logsource": "web-1", "program": "sshd", "pid": "2042", "host": "127.0.0.1",
		"tags": nil, "[service][type]": nil, "[log]": nil,
	})
	if got, want := e.Timestamp(), time.Date(2026, 11, 24, 4, 59, 1, 0, time.UTC); !got.Equal(want) {
		t.Errorf("@timestamp %v, want %v", got, want)
	}
	e = evs["(root) CMD (true)"]
	if e == nil {
		t.Fatalf("events %v", evs)
	}
	checkFields(t, e, map[string]any{"priority": int64(86), "facility": int64(10), "severity": int64(6), "program": "CRON", "pid": "7"})
	if got, want := e.Timestamp(), time.Date(2026, 11, 24, 4, 0, 0, 5e8, time.UTC); !got.Equal(want) {
		t.Errorf("@timestamp %v, want %v", got, want)
	}
	e = evs["python says hi"]
	if e == nil {
		t.Fatalf("events %v", evs)
	}
	checkFields(t, e, map[string]any{"priority": int64(14), "facility": int64(1), "severity": int64(6),
		"facility_label": "user-level", "severity_label": "Informational", "timestamp": nil, "logsource": nil, "program": nil})
	if time.Since(e.Timestamp()) > time.Minute {
		t.Errorf("@timestamp %v is not the arrival time", e.Timestamp())
	}
}

func TestECSFieldsTCP(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => v8`)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	c := dialTCP(t, addr)
	lines := "<38>2026-11-24T04:59:01Z web-1 sshd[2042]: Accepted publickey\n" +
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 77a - [exampleSDID@32473 iut="3" eventSource="Application"] An application event` + "\n"
	if _, err := io.WriteString(c, lines); err != nil {
		t.Fatal(err)
	}
	evs := byMessage(q.Wait(t, 2, waitFor))
	e := evs["Accepted publickey"]
	if e == nil {
		t.Fatalf("events %v", evs)
	}
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(38), "[log][syslog][facility][code]": int64(4), "[log][syslog][severity][code]": int64(6),
		"[log][syslog][facility][name]": "security/authorization", "[log][syslog][severity][name]": "Informational",
		"[host][hostname]": "web-1", "[host][ip]": "127.0.0.1", "[process][name]": "sshd", "[process][pid]": int64(2042),
		"[event][original]": "<38>2026-11-24T04:59:01Z web-1 sshd[2042]: Accepted publickey",
		"[service][type]":   "system",
		"timestamp":         nil, "priority": nil, "logsource": nil, "program": nil, "[log][syslog][procid]": nil, "tags": nil,
	})
	if got, want := e.Timestamp(), time.Date(2026, 11, 24, 4, 59, 1, 0, time.UTC); !got.Equal(want) {
		t.Errorf("@timestamp %v, want %v", got, want)
	}
	e = evs["An application event"]
	if e == nil {
		t.Fatalf("events %v", evs)
	}
	checkFields(t, e, map[string]any{
		"[log][syslog][priority]": int64(165), "[log][syslog][facility][code]": int64(20), "[log][syslog][severity][code]": int64(5),
		"[log][syslog][facility][name]": "local4", "[log][syslog][severity][name]": "Notice",
		"[host][hostname]": "mymachine.example.com", "[process][name]": "evntslog", "[process][pid]": nil,
		"[log][syslog][procid]": "77a", "[log][syslog][msgid]": nil, "[log][syslog][version]": "1",
		"[log][syslog][structured_data][exampleSDID@32473][iut]":         "3",
		"[log][syslog][structured_data][exampleSDID@32473][eventSource]": "Application",
	})
	if got, want := e.Timestamp(), time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC); !got.Equal(want) {
		t.Errorf("@timestamp %v, want %v", got, want)
	}
}

func TestNotSyslog(t *testing.T) {
	for _, ecs := range []string{"disabled", "v8"} {
		t.Run(ecs, func(t *testing.T) {
			in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => `+ecs)
			q := plugintest.NewQueue()
			addr, udp := start(t, in, q)
			sendUDP(t, udp, "just some text <13> here")
			c := dialTCP(t, addr)
			io.WriteString(c, "<999>not a priority\n")
			evs := byMessage(q.Wait(t, 2, waitFor))
			for _, msg := range []string{"just some text <13> here", "<999>not a priority"} {
				e := evs[msg]
				if e == nil {
					t.Fatalf("no event %q in %v", msg, evs)
				}
				if !reflect.DeepEqual(e.Tags(), []string{FailureTag}) {
					t.Errorf("tags %v", e.Tags())
				}
				want := map[string]any{"priority": int64(13), "facility": int64(1), "severity": int64(5),
					"facility_label": "user-level", "severity_label": "Notice", "host": "127.0.0.1"}
				if ecs != "disabled" {
					want = map[string]any{"[log][syslog][priority]": int64(13), "[log][syslog][facility][code]": int64(1),
						"[log][syslog][severity][code]": int64(5), "[log][syslog][facility][name]": "user-level",
						"[log][syslog][severity][name]": "Notice", "[host][ip]": "127.0.0.1", "[event][original]": msg}
				}
				checkFields(t, e, want)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	tests := []struct {
		body string
		want map[string]any
	}{
		{`use_labels => false`, map[string]any{"facility_label": nil, "severity_label": nil, "facility": int64(23), "severity": int64(3)}},
		{`facility_labels => ["k", "u"] severity_labels => ["emerg", "alert", "crit", "err"]`,
			map[string]any{"facility_label": nil, "severity_label": "err"}},
		{`severity_labels => []`, map[string]any{"facility_label": "local7", "severity_label": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => disabled `+tt.body)
			q := plugintest.NewQueue()
			_, udp := start(t, in, q)
			sendUDP(t, udp, "<187>Nov 24 04:00:00 sw1 %LINK-3-UPDOWN: down")
			checkFields(t, q.Wait(t, 1, waitFor)[0], tt.want)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{`grok_pattern => "<%{POSINT:priority}>%{SYSLOGTIMESTAMP:timestamp} CUSTOM"`, "custom grok_pattern needs the grok filter (not yet available)"},
		{`timezone => "Mars/Olympus"`, `timezone "Mars/Olympus"`},
		{`port => 70000`, "out of range"},
		{`max_event_size => 10`, "max_event_size"},
	}
	for _, tt := range tests {
		_, err := plugintest.BuildErr(plugin.KindInput, "syslog { "+tt.body+" }")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.body, err, tt.want)
		}
	}
	for _, ok := range grokDefaults {
		if _, err := plugintest.BuildErr(plugin.KindInput, `syslog { grok_pattern => "`+ok+`" }`); err != nil {
			t.Errorf("default grok_pattern %q refused: %v", ok, err)
		}
	}
}

func TestOctetCountedTCP(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0 ecs_compatibility => disabled`)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	c := dialTCP(t, addr)
	msgs := []string{
		"<13>1 2026-11-24T05:00:00Z h app 1 - - first\nwith a newline inside",
		"<13>1 2026-11-24T05:00:00Z h app 1 - - second",
		"<14>python style",
	}
	var stream strings.Builder
	for _, m := range msgs {
		fmt.Fprintf(&stream, "%d %s", len(m), m)
	}
	stream.WriteString("<13>Nov 24 05:00:00 h app: lf framed\n<14>nul framed\x0042 not octet counted\n")
	data := stream.String()
	for i := 0; i < len(data); i += 7 { // small, odd writes
		if _, err := io.WriteString(c, data[i:min(i+7, len(data))]); err != nil {
			t.Fatal(err)
		}
	}
	c.CloseWrite()
	evs := q.Wait(t, 6, waitFor)
	want := []string{"first\nwith a newline inside", "second", "python style", "lf framed", "nul framed", "42 not octet counted"}
	var got []string
	for _, e := range evs {
		got = append(got, e.Message())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("messages\n got %q\nwant %q", got, want)
	}
	if e := evs[5]; !e.HasTag(FailureTag) {
		t.Errorf("plain line not tagged: %v", e.Tags())
	}
}

func TestProxyProtocol(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0 proxy_protocol => true ecs_compatibility => v8`)
	q := plugintest.NewQueue()
	addr, _ := start(t, in, q)
	c := dialTCP(t, addr)
	io.WriteString(c, "PROXY TCP4 203.0.113.7 10.0.0.1 51000 514\r\n<13>Nov 24 05:00:00 h app: via proxy\n")
	e := q.Wait(t, 1, waitFor)[0]
	checkFields(t, e, map[string]any{"[host][ip]": "203.0.113.7", "message": "via proxy"})

	// A connection without the header is refused, others go on.
	bad := dialTCP(t, addr)
	io.WriteString(bad, "<13>Nov 24 05:00:00 h app: no header\n")
	bad.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Error("connection without PROXY header stayed open")
	}
	io.WriteString(c, "<13>Nov 24 05:00:00 h app: still fine\n")
	if e := q.Wait(t, 2, waitFor)[1]; e.Message() != "still fine" {
		t.Errorf("message %q", e.Message())
	}
}

func TestMaxEventSize(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0 max_event_size => 100 ecs_compatibility => disabled`)
	q := plugintest.NewQueue()
	addr, udp := start(t, in, q)
	long := "<13>Nov 24 05:00:00 h app: " + strings.Repeat("x", 500)
	c := dialTCP(t, addr)
	io.WriteString(c, long+"\n<13>Nov 24 05:00:00 h app: after\n")
	io.WriteString(c, fmt.Sprintf("%d %s", len(long), long))
	io.WriteString(c, "<13>Nov 24 05:00:00 h app: last\n")
	sendUDP(t, udp, long)
	evs := q.Wait(t, 5, waitFor)
	var tcpMsgs []string
	cut := 0
	for _, e := range evs {
		if e.HasTag(TooLongTag) {
			cut++
			if n := len(e.Message()); n != 100-len("<13>Nov 24 05:00:00 h app: ") {
				t.Errorf("cut message has %d bytes", n)
			}
			continue
		}
		tcpMsgs = append(tcpMsgs, e.Message())
	}
	if cut != 3 || !reflect.DeepEqual(tcpMsgs, []string{"after", "last"}) {
		t.Errorf("%d cut, others %q", cut, tcpMsgs)
	}
}

func TestPortInUse(t *testing.T) {
	a := build(t, `host => "127.0.0.1" port => 0`)
	start(t, a, plugintest.NewQueue())
	port := a.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndexByte(port, ':')+1:]
	b := build(t, `host => "127.0.0.1" port => `+port)
	if err := b.Open(t.Context()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("Open on a used port: %v", err)
	}
}

func TestBackpressureAndShutdown(t *testing.T) {
	in := build(t, `host => "127.0.0.1" port => 0`)
	q := plugintest.NewQueue()
	q.Block()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	<-in.Ready()
	c := dialTCP(t, in.Addr().String())
	idle := dialTCP(t, in.Addr().String())
	const n = 2000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "<13>Nov 24 05:00:00 h app: line %d\n", i)
	}
	go io.WriteString(c, b.String())
	// While the pipeline is full nothing is delivered; once it frees up,
	// every line is.
	if evs := q.Events(); len(evs) != 0 {
		t.Fatalf("%d events pushed through a blocked queue", len(evs))
	}
	q.Release()
	evs := q.Wait(t, n, waitFor)
	for i, e := range evs[:n] {
		if want := fmt.Sprintf("line %d", i); e.Message() != want {
			t.Fatalf("event %d: %q, want %q", i, e.Message(), want)
		}
	}
	// Shutdown closes idle connections and returns promptly.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of cancel with a connection open")
	}
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Error("idle connection still open after shutdown")
	}
}
