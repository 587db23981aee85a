package grok

import (
	"reflect"
	"testing"
)

// Legacy-set families, on sample lines written for these tests (redis,
// squid and aws are in families3_test.go, with the ECS versions).
func TestMoreFamilies(t *testing.T) {
	tests := []struct {
		pattern, line string
		want          map[string]any
	}{
		{"%{HAPROXYHTTP}", `Sep 14 02:01:37 lb1 haproxy[14387]: 10.0.1.2:33317 [14/Sep/2014:02:01:37.452] public nginx/server1 0/0/0/5/5 200 490 - - ---- 1/1/0/1/0 0/0 "GET /my/path HTTP/1.1"`, map[string]any{
			"syslog_timestamp": "Sep 14 02:01:37", "syslog_server": "lb1", "program": "haproxy", "pid": "14387",
			"client_ip": "10.0.1.2", "client_port": "33317", "accept_date": "14/Sep/2014:02:01:37.452",
			"haproxy_monthday": "14", "haproxy_month": "Sep", "haproxy_year": "2014", "haproxy_time": "02:01:37",
			"haproxy_hour": "02", "haproxy_minute": "01", "haproxy_second": "37", "haproxy_milliseconds": "452",
			"frontend_name": "public", "backend_name": "nginx", "server_name": "server1",
			"time_request": "0", "time_queue": "0", "time_backend_connect": "0", "time_backend_response": "5", "time_duration": "5",
			"http_status_code": "200", "bytes_read": "490", "captured_request_cookie": "-", "captured_response_cookie": "-",
			"termination_state": "----", "actconn": "1", "feconn": "1", "beconn": "0", "srvconn": "1", "retries": "0",
			"srv_queue": "0", "backend_queue": "0", "http_verb": "GET", "http_request": "/my/path", "http_version": "1.1",
		}},
		{"%{MONGO3_LOG}", `2026-11-24T06:02:59.123+0000 I NETWORK  [conn42] end connection 127.0.0.1:51234 (3 connections now open)`, map[string]any{
			"timestamp": "2026-11-24T06:02:59.123+0000", "severity": "I", "component": "NETWORK", "context": "conn42",
			"message": "end connection 127.0.0.1:51234 (3 connections now open)",
		}},
		{"%{POSTGRESQL}", `2026-11-24 06:02:59 UTC app_user 5f3a.1b2 4711`, map[string]any{
			// DATESTAMP knows no ISO dates: the leftmost match is DATE_EU "26-11-24", in Logstash too.
			"timestamp": "26-11-24 06:02:59", "user_id": "app_user", "connection_id": "5f3a.1b2", "pid": "4711",
		}},
		// Ruby's (?m) is "dot matches newline".
		{`(?m)start %{GREEDYDATA:rest}`, "start a\nb", map[string]any{"rest": "a\nb"}},
		// ^ and $ match at line breaks, as in Ruby.
		{`^%{WORD:w}$`, "first line!\nsecond", map[string]any{"w": "second"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			p, err := Compile(tt.pattern, defs(Legacy, nil), true)
			if err != nil {
				t.Fatal(err)
			}
			if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("line %q\n got %#v\nwant %#v", tt.line, got, tt.want)
			}
		})
	}
	// Both sets are complete: every legacy pattern has an ECS v1 version.
	for name := range Catalog(Legacy) {
		if LegacyOnly(name) {
			t.Errorf("%s exists in the legacy set only", name)
		}
	}
}
