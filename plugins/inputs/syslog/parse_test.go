package syslog

import (
	"reflect"
	"testing"
	"time"
)

var testNow = time.Date(2026, time.November, 24, 5, 0, 0, 0, time.UTC)

func testParser() *Parser {
	return &Parser{Location: time.UTC, Now: func() time.Time { return testNow }}
}

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Message
		fail bool
	}{
		// Linux, as rsyslog/sysklogd forward in the traditional format.
		{name: "sshd auth", line: "<38>Nov 24 04:59:01 web-1 sshd[2042]: Accepted publickey for deploy from 10.1.2.3 port 51234 ssh2",
			want: Message{Format: Format3164, Priority: 38, Timestamp: "Nov 24 04:59:01", Time: utc(2026, 11, 24, 4, 59, 1, 0),
				Hostname: "web-1", AppName: "sshd", ProcID: "2042", Msg: "Accepted publickey for deploy from 10.1.2.3 port 51234 ssh2"}},
		{name: "cron with single-digit day", line: "<78>Nov  3 17:17:01 db01 CRON[31337]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
			want: Message{Format: Format3164, Priority: 78, Timestamp: "Nov  3 17:17:01", Time: utc(2026, 11, 3, 17, 17, 1, 0),
				Hostname: "db01", AppName: "CRON", ProcID: "31337", Msg: "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"}},
		{name: "kernel", line: "<4>Nov 24 04:10:00 host kernel: [ 1234.567890] usb 1-1: new high-speed USB device number 2 using ehci-pci",
			want: Message{Format: Format3164, Priority: 4, Timestamp: "Nov 24 04:10:00", Time: utc(2026, 11, 24, 4, 10, 0, 0),
				Hostname: "host", AppName: "kernel", Msg: "[ 1234.567890] usb 1-1: new high-speed USB device number 2 using ehci-pci"}},
		{name: "systemd", line: "<30>Nov 24 00:00:05 box systemd[1]: Started Daily apt upgrade and clean activities.",
			want: Message{Format: Format3164, Priority: 30, Timestamp: "Nov 24 00:00:05", Time: utc(2026, 11, 24, 0, 0, 5, 0),
				Hostname: "box", AppName: "systemd", ProcID: "1", Msg: "Started Daily apt upgrade and clean activities."}},
		{name: "sudo with pam tag", line: "<85>Nov 24 03:03:03 srv sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
			want: Message{Format: Format3164, Priority: 85, Timestamp: "Nov 24 03:03:03", Time: utc(2026, 11, 24, 3, 3, 3, 0),
				Hostname: "srv", AppName: "sudo", Msg: "pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)"}},
		{name: "RFC 3164 example", line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: Message{Format: Format3164, Priority: 34, Timestamp: "Oct 11 22:14:15", Time: utc(2026, 10, 11, 22, 14, 15, 0),
				Hostname: "mymachine", AppName: "su", Msg: "'su root' failed for lonvick on /dev/pts/8"}},
		{name: "no tag", line: "<13>Nov 24 01:02:03 router1 link eth0 is down",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 01:02:03", Time: utc(2026, 11, 24, 1, 2, 3, 0),
				Hostname: "router1", Msg: "link eth0 is down"}},
		{name: "no host", line: "<14>Nov 24 01:02:03 myapp[77]: started",
			want: Message{Format: Format3164, Priority: 14, Timestamp: "Nov 24 01:02:03", Time: utc(2026, 11, 24, 1, 2, 3, 0),
				AppName: "myapp", ProcID: "77", Msg: "started"}},
		{name: "no host, tag without pid", line: "<14>Nov 24 01:02:03 myapp: started",
			want: Message{Format: Format3164, Priority: 14, Timestamp: "Nov 24 01:02:03", Time: utc(2026, 11, 24, 1, 2, 3, 0),
				AppName: "myapp", Msg: "started"}},
		{name: "logger default", line: "<13>Nov 24 04:58:00 alice: hello world",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				AppName: "alice", Msg: "hello world"}},
		{name: "fractional seconds", line: "<13>Nov 24 04:58:00.250 h app: x",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 04:58:00.250", Time: utc(2026, 11, 24, 4, 58, 0, 250000000),
				Hostname: "h", AppName: "app", Msg: "x"}},
		{name: "full month name, lower case", line: "<13>november 24 04:58:00 h app: x",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "november 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				Hostname: "h", AppName: "app", Msg: "x"}},
		{name: "facility.priority after the timestamp", line: "<190>Nov 24 04:58:00 <23.6> fw01 kernel: DROP IN=eth0",
			want: Message{Format: Format3164, Priority: 190, Timestamp: "Nov 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				Hostname: "fw01", AppName: "kernel", Msg: "DROP IN=eth0"}},
		{name: "empty message", line: "<13>Nov 24 04:58:00 host app:",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				Hostname: "host", AppName: "app", Msg: ""}},
		{name: "invalid date", line: "<13>Feb 30 04:58:00 host app: x",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Feb 30 04:58:00", BadTime: true,
				Hostname: "host", AppName: "app", Msg: "x"}},
		{name: "trailing newline and CR", line: "<13>Nov 24 04:58:00 host app: x\r\n",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				Hostname: "host", AppName: "app", Msg: "x"}},
		{name: "priority 0", line: "<0>Nov 24 04:58:00 host kernel: panic",
			want: Message{Format: Format3164, Priority: 0, Timestamp: "Nov 24 04:58:00", Time: utc(2026, 11, 24, 4, 58, 0, 0),
				Hostname: "host", AppName: "kernel", Msg: "panic"}},

		// rsyslog's RSYSLOG_ForwardFormat: an RFC 3339 timestamp.
		{name: "rsyslog forward format", line: "<86>2026-11-24T05:31:46.123456+01:00 web-1 sshd[99]: Connection closed",
			want: Message{Format: Format3164, Priority: 86, Timestamp: "2026-11-24T05:31:46.123456+01:00", ISO: true,
				Time: utc(2026, 11, 24, 4, 31, 46, 123456000), Hostname: "web-1", AppName: "sshd", ProcID: "99", Msg: "Connection closed"}},
		{name: "rsyslog forward format of an RFC 5424 message (tag without colon)", line: "<156>2026-11-24T05:41:27.052948+00:00 vm fwd-tcp[4242] hello",
			want: Message{Format: Format3164, Priority: 156, Timestamp: "2026-11-24T05:41:27.052948+00:00", ISO: true,
				Time: utc(2026, 11, 24, 5, 41, 27, 52948000), Hostname: "vm", AppName: "fwd-tcp", ProcID: "4242", Msg: "hello"}},
		{name: "ISO without offset reads in the location", line: "<13>2026-11-24 05:31:46 h app: x",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "2026-11-24 05:31:46", ISO: true,
				Time: utc(2026, 11, 24, 5, 31, 46, 0), Hostname: "h", AppName: "app", Msg: "x"}},

		// Python's logging.handlers.SysLogHandler: no timestamp, no host,
		// a NUL at the end.
		{name: "python plain", line: "<14>something happened\x00",
			want: Message{Format: Format3164, Priority: 14, Msg: "something happened"}},
		{name: "python with ident", line: "<11>myapp: disk full\x00",
			want: Message{Format: Format3164, Priority: 11, AppName: "myapp", Msg: "disk full"}},
		{name: "python ident needs a colon", line: "<11>myapp[7] disk full\x00",
			want: Message{Format: Format3164, Priority: 11, Msg: "myapp[7] disk full"}},
		{name: "python with ident and pid", line: "<11>my-app.worker[4242]: disk full\x00",
			want: Message{Format: Format3164, Priority: 11, AppName: "my-app.worker", ProcID: "4242", Msg: "disk full"}},
		{name: "python multi-line traceback", line: "<11>boom\nTraceback (most recent call last):\n  File \"x.py\", line 1\x00",
			want: Message{Format: Format3164, Priority: 11, Msg: "boom\nTraceback (most recent call last):\n  File \"x.py\", line 1"}},
		{name: "python 2 BOM", line: "<14>\xef\xbb\xbfcaf\xc3\xa9\x00",
			want: Message{Format: Format3164, Priority: 14, Msg: "caf\xc3\xa9"}},
		{name: "empty after PRI", line: "<14>",
			want: Message{Format: Format3164, Priority: 14}},

		// Cisco and other odd ones: a valid PRI, an unusual header.
		{name: "cisco sequence number", line: "<189>1234: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)",
			want: Message{Format: Format3164, Priority: 189, Msg: "1234: *Mar  1 18:46:11.123: %SYS-5-CONFIG_I: Configured from console by vty0 (10.0.0.1)"}},
		{name: "cisco with timestamp", line: "<187>Nov 24 04:00:00 10.0.0.254 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
			want: Message{Format: Format3164, Priority: 187, Timestamp: "Nov 24 04:00:00", Time: utc(2026, 11, 24, 4, 0, 0, 0),
				Hostname: "10.0.0.254", AppName: "%LINK-3-UPDOWN", Msg: "Interface GigabitEthernet0/1, changed state to down"}},
		{name: "year in the BSD timestamp", line: "<13>Nov 24 2026 04:00:00 host app: x",
			want: Message{Format: Format3164, Priority: 13, Msg: "Nov 24 2026 04:00:00 host app: x"}},
		{name: "bracketed non-pid", line: "<13>Nov 24 04:00:00 host app[main]: x",
			want: Message{Format: Format3164, Priority: 13, Timestamp: "Nov 24 04:00:00", Time: utc(2026, 11, 24, 4, 0, 0, 0),
				Hostname: "host", Msg: "app[main]: x"}},

		// RFC 5424.
		{name: "5424 RFC example 1", line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8",
			want: Message{Format: Format5424, Priority: 34, Version: 1, Timestamp: "2003-10-11T22:14:15.003Z", ISO: true,
				Time: utc(2003, 10, 11, 22, 14, 15, 3000000), Hostname: "mymachine.example.com", AppName: "su", MsgID: "ID47",
				Msg: "'su root' failed for lonvick on /dev/pts/8"}},
		{name: "5424 offset and microseconds", line: "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
			want: Message{Format: Format5424, Priority: 165, Version: 1, Timestamp: "2003-08-24T05:14:15.000003-07:00", ISO: true,
				Time: utc(2003, 8, 24, 12, 14, 15, 3000), Hostname: "192.0.2.1", AppName: "myproc", ProcID: "8710",
				Msg: "%% It's time to make the do-nuts."}},
		{name: "5424 structured data", line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry...`,
			want: Message{Format: Format5424, Priority: 165, Version: 1, Timestamp: "2003-10-11T22:14:15.003Z", ISO: true,
				Time: utc(2003, 10, 11, 22, 14, 15, 3000000), Hostname: "mymachine.example.com", AppName: "evntslog", MsgID: "ID47",
				StructuredData: map[string]any{
					"exampleSDID@32473":     map[string]any{"iut": "3", "eventSource": "Application", "eventID": "1011"},
					"examplePriority@32473": map[string]any{"class": "high"},
				},
				Msg: "An application event log entry..."}},
		{name: "5424 SD only, escapes, repeated param", line: `<165>1 2003-10-11T22:14:15.003Z h app - - [meta ip="1.2.3.4" ip="::1" q="a \"b\" c\]\\ \d"]`,
			want: Message{Format: Format5424, Priority: 165, Version: 1, Timestamp: "2003-10-11T22:14:15.003Z", ISO: true,
				Time: utc(2003, 10, 11, 22, 14, 15, 3000000), Hostname: "h", AppName: "app",
				StructuredData: map[string]any{"meta": map[string]any{"ip": []any{"1.2.3.4", "::1"}, "q": `a "b" c]\ \d`}}}},
		{name: "5424 all nil", line: "<13>1 - - - - - -",
			want: Message{Format: Format5424, Priority: 13, Version: 1}},
		{name: "5424 malformed SD stays in message", line: `<13>1 2026-11-24T05:00:00Z h a p m [broken x="1" hello`,
			want: Message{Format: Format5424, Priority: 13, Version: 1, Timestamp: "2026-11-24T05:00:00Z", ISO: true,
				Time: utc(2026, 11, 24, 5, 0, 0, 0), Hostname: "h", AppName: "a", ProcID: "p", MsgID: "m", Msg: `[broken x="1" hello`}},
		{name: "rsyslog protocol 23 format", line: "<30>1 2026-11-24T05:31:46.123456+00:00 web-1 nginx 812 - - GET / 200\n",
			want: Message{Format: Format5424, Priority: 30, Version: 1, Timestamp: "2026-11-24T05:31:46.123456+00:00", ISO: true,
				Time: utc(2026, 11, 24, 5, 31, 46, 123456000), Hostname: "web-1", AppName: "nginx", ProcID: "812", Msg: "GET / 200"}},
		{name: "looks like 5424 but is not", line: "<13>1 apple a day",
			want: Message{Format: Format3164, Priority: 13, Msg: "1 apple a day"}},

		// Not syslog.
		{name: "plain text", line: "hello world", fail: true},
		{name: "empty", line: "", fail: true},
		{name: "PRI too big", line: "<192>Nov 24 04:00:00 h a: x", fail: true},
		{name: "PRI four digits", line: "<0013>x", fail: true},
		{name: "PRI not closed", line: "<13 x", fail: true},
		{name: "PRI empty", line: "<>x", fail: true},
		{name: "JSON", line: `{"message":"x"}`, fail: true},
		{name: "binary", line: "\x00\x01\x02<13>", fail: true},
	}
	p := testParser()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.Parse(tt.line)
			if ok == tt.fail {
				t.Fatalf("Parse(%q) ok = %v", tt.line, ok)
			}
			if tt.fail {
				return
			}
			if !got.Time.Equal(tt.want.Time) {
				t.Errorf("Time = %v, want %v", got.Time, tt.want.Time)
			}
			got.Time, tt.want.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.line, got, tt.want)
			}
		})
	}
}

func TestBSDYear(t *testing.T) {
	tests := []struct {
		now  time.Time
		ts   string
		want int
	}{
		{time.Date(2027, 1, 1, 0, 0, 30, 0, time.UTC), "Dec 31 23:59:50", 2026},
		{time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), "Jan  1 00:00:01", 2027},
		{time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), "Dec 31 23:59:50", 2026},
		{time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), "Jan  1 00:00:00", 2026},
		{time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), "Feb 29 12:00:00", 2028},
	}
	for _, tt := range tests {
		p := &Parser{Location: time.UTC, Now: func() time.Time { return tt.now }}
		m, ok := p.Parse("<13>" + tt.ts + " h a: x")
		if !ok || m.BadTime {
			t.Fatalf("%s: not parsed (%v, %+v)", tt.ts, ok, m)
		}
		if m.Time.Year() != tt.want {
			t.Errorf("now %v, %q: year %d, want %d", tt.now, tt.ts, m.Time.Year(), tt.want)
		}
	}
	// Feb 29 in a year that has none is a date failure.
	p := &Parser{Location: time.UTC, Now: func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }}
	if m, _ := p.Parse("<13>Feb 29 12:00:00 h a: x"); !m.BadTime {
		t.Errorf("Feb 29 2026 accepted: %v", m.Time)
	}
}

func TestTimezone(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	p := &Parser{Location: paris, Now: func() time.Time { return testNow }}
	m, _ := p.Parse("<13>Jul  1 12:00:00 h a: x")
	if want := utc(2026, 7, 1, 10, 0, 0, 0); !m.Time.Equal(want) {
		t.Errorf("BSD in Paris: %v, want %v", m.Time.UTC(), want)
	}
	m, _ = p.Parse("<13>2026-01-10T12:00:00 h a: x")
	if want := utc(2026, 1, 10, 11, 0, 0, 0); !m.Time.Equal(want) {
		t.Errorf("ISO without offset in Paris: %v, want %v", m.Time.UTC(), want)
	}
	m, _ = p.Parse("<13>2026-01-10T12:00:00Z h a: x")
	if want := utc(2026, 1, 10, 12, 0, 0, 0); !m.Time.Equal(want) {
		t.Errorf("ISO with offset: %v, want %v", m.Time.UTC(), want)
	}
}
