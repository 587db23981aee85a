package codecutil

import (
	"reflect"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Fixtures written for these tests after the output of each library's
// formatter (python-logstash 0.4.8, python-logstash-async 4.x, ecs-logging
// 2.x, structlog's JSONRenderer); Python's json.dumps spacing included.
var pythonFixtures = []struct {
	name   string
	in     string
	format string
	want   map[string]any
}{
	{
		name:   "python-logstash version 0",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "@message": "user logged in", "@source": "Logstash://web-01//srv/app/views.py", "@source_host": "web-01", "@source_path": "/srv/app/views.py", "@tags": ["prod"], "@type": "Logstash", "@fields": {"levelname": "INFO", "logger": "app.auth", "stack_info": null, "user_id": 42}}`,
		format: FormatLogstashV0,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "user logged in", "@source": "Logstash://web-01//srv/app/views.py",
			"host": "web-01", "path": "/srv/app/views.py", "tags": []any{"prod"}, "type": "Logstash",
			"levelname": "INFO", "logger": "app.auth", "stack_info": nil, "user_id": int64(42),
		},
	},
	{
		name:   "python-logstash version 0, @fields member clashing with a top-level field",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "@message": "m", "@source_host": "web-01", "@fields": {"host": "other", "levelname": "ERROR"}}`,
		format: FormatLogstashV0,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "m", "host": "web-01", "levelname": "ERROR", "@fields": map[string]any{"host": "other"},
		},
	},
	{
		name:   "python-logstash version 1",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "@version": "1", "message": "boom", "host": "web-01", "path": "/srv/app/views.py", "tags": [], "type": "Logstash", "level": "ERROR", "logger_name": "app.views", "stack_info": null, "order": "A-1", "stack_trace": "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 3, in f\nZeroDivisionError: division by zero\n", "lineno": 3, "process": 4242, "thread_name": "MainThread"}`,
		format: FormatLogstashV1,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "boom", "host": "web-01", "path": "/srv/app/views.py", "tags": []any{}, "type": "Logstash",
			"level": "ERROR", "logger_name": "app.views", "stack_info": nil, "order": "A-1",
			"stack_trace": "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 3, in f\nZeroDivisionError: division by zero\n",
			"lineno":      int64(3), "process": int64(4242), "thread_name": "MainThread",
		},
	},
	{
		name:   "python-logstash forks: integer @version, levelname and logger",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "@version": 1, "message": "hi", "host": "web-01", "levelname": "INFO", "logger": "root", "ratio": NaN}`,
		format: FormatLogstashV1,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "hi", "host": "web-01", "levelname": "INFO", "logger": "root", "ratio": nan,
		},
	},
	{
		name:   "python-logstash-async LogstashFormatter",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "@version": "1", "host": "web-01", "level": "INFO", "logsource": "web-01", "message": "user logged in", "pid": 4242, "program": "/srv/app/manage.py", "type": "python-logstash", "tags": ["prod"], "extra": {"func_name": "login", "interpreter": "/usr/bin/python3", "interpreter_version": "3.12.3", "line": 27, "logger_name": "app.auth", "logstash_async_version": "4.1.0", "path": "/srv/app/views.py", "process_name": "MainProcess", "thread_name": "MainThread", "user_id": 42}}`,
		format: FormatLogstashV1,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"host": "web-01", "level": "INFO", "logsource": "web-01", "message": "user logged in", "pid": int64(4242),
			"program": "/srv/app/manage.py", "type": "python-logstash", "tags": []any{"prod"},
			"extra": map[string]any{
				"func_name": "login", "interpreter": "/usr/bin/python3", "interpreter_version": "3.12.3", "line": int64(27),
				"logger_name": "app.auth", "logstash_async_version": "4.1.0", "path": "/srv/app/views.py",
				"process_name": "MainProcess", "thread_name": "MainThread", "user_id": int64(42),
			},
		},
	},
	{
		name:   "ecs-logging StdlibFormatter",
		in:     `{"@timestamp":"2024-05-01T10:20:30.123Z","log.level":"info","message":"user logged in","ecs.version":"1.6.0","http":{"request":{"method":"GET"}},"log":{"logger":"app.auth","origin":{"file":{"line":27,"name":"views.py"},"function":"login"},"original":"user logged in"},"process":{"name":"MainProcess","pid":4242,"thread":{"id":140245,"name":"MainThread"}},"user_id":42}`,
		format: FormatECS,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "user logged in",
			"ecs":     map[string]any{"version": "1.6.0"},
			"http":    map[string]any{"request": map[string]any{"method": "GET"}},
			"log": map[string]any{
				"level": "info", "logger": "app.auth", "original": "user logged in",
				"origin": map[string]any{"file": map[string]any{"line": int64(27), "name": "views.py"}, "function": "login"},
			},
			"process": map[string]any{"name": "MainProcess", "pid": int64(4242), "thread": map[string]any{"id": int64(140245), "name": "MainThread"}},
			"user_id": int64(42),
		},
	},
	{
		name:   "ecs-logging StructlogFormatter",
		in:     `{"@timestamp":"2024-05-01T10:20:30.123Z","log.level":"warning","message":"disk low","ecs.version":"1.6.0","free.bytes":1024}`,
		format: FormatECS,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "disk low", "ecs": map[string]any{"version": "1.6.0"},
			"log": map[string]any{"level": "warning"}, "free": map[string]any{"bytes": int64(1024)},
		},
	},
	{
		name:   "ecs-logging with a dotted key blocked by a scalar",
		in:     `{"@timestamp":"2024-05-01T10:20:30.123Z","log.level":"info","message":"m","ecs.version":"1.6.0","service":"api","service.name":"x"}`,
		format: FormatECS,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1",
			"message": "m", "ecs": map[string]any{"version": "1.6.0"}, "log": map[string]any{"level": "info"},
			"service": "api", "service.name": "x",
		},
	},
	{
		name:   "structlog JSONRenderer, ISO timestamp in UTC",
		in:     `{"user_id": 42, "event": "user logged in", "level": "info", "logger": "app.auth", "timestamp": "2024-05-01T10:20:30.123456Z"}`,
		format: FormatStructlog,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123456), "@version": "1",
			"message": "user logged in", "level": "info", "logger": "app.auth", "user_id": int64(42),
		},
	},
	{
		name:   "structlog JSONRenderer, datetime.isoformat() with +00:00",
		in:     `{"event": "tick", "timestamp": "2024-05-01T10:20:30.123456+00:00"}`,
		format: FormatStructlog,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123456), "@version": "1", "message": "tick",
		},
	},
	{
		name:   "structlog JSONRenderer, Unix timestamp (TimeStamper fmt=None)",
		in:     `{"event": "tick", "level": "debug", "timestamp": 1714558830.123456}`,
		format: FormatStructlog,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123456), "@version": "1", "message": "tick", "level": "debug",
		},
	},
	{
		name:   "structlog with an event field next to message is left alone",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "message": "m", "event": "signup"}`,
		format: FormatPlain,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1", "message": "m", "event": "signup",
		},
	},
	{
		name:   "numeric @timestamp in milliseconds",
		in:     `{"@timestamp": 1714558830123, "message": "m"}`,
		format: FormatPlain,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1", "message": "m",
		},
	},
	{
		name:   "unparsable timestamp stays",
		in:     `{"@timestamp": "2024-05-01T10:20:30.123Z", "message": "m", "timestamp": "yesterday"}`,
		format: FormatPlain,
		want: map[string]any{
			"@timestamp": ts(2024, 5, 1, 10, 20, 30, 123000), "@version": "1", "message": "m", "timestamp": "yesterday",
		},
	},
}

var nan = "NaN placeholder"

func ts(y int, mo time.Month, d, h, mi, s, usec int) time.Time {
	return time.Date(y, mo, d, h, mi, s, usec*1000, time.UTC)
}

func TestNormalizePython(t *testing.T) {
	for _, tt := range pythonFixtures {
		t.Run(tt.name, func(t *testing.T) {
			m, err := event.DecodeJSON([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := NormalizePython(m); got != tt.format {
				t.Errorf("format = %q, want %q", got, tt.format)
			}
			e := event.FromMap(m)
			got := e.Fields()
			if _, ok := tt.want["ratio"]; ok {
				if f, ok := got["ratio"].(float64); !ok || f == f {
					t.Errorf("ratio = %#v, want NaN", got["ratio"])
				}
				got["ratio"], tt.want["ratio"] = nil, nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("event\n got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestExpandDottedKeys(t *testing.T) {
	m := map[string]any{
		"a.b":     int64(1),
		"a":       map[string]any{"c": int64(2)},
		"x.y.z":   "deep",
		"x.y":     map[string]any{"w": true},
		"n":       []any{map[string]any{"p.q": int64(3)}},
		"bad..k":  int64(4),
		".lead":   int64(5),
		"c.d":     map[string]any{"e": int64(6)},
		"c":       map[string]any{"d": map[string]any{"e": int64(7), "f": int64(8)}},
		"same.k":  int64(9),
		"same":    map[string]any{"k": int64(10)},
		"trail.":  int64(11),
		"plain":   "v",
		"arr.idx": []any{int64(1)},
	}
	ExpandDottedKeys(m)
	want := map[string]any{
		"a":      map[string]any{"b": int64(1), "c": int64(2)},
		"x":      map[string]any{"y": map[string]any{"z": "deep", "w": true}},
		"n":      []any{map[string]any{"p": map[string]any{"q": int64(3)}}},
		"bad..k": int64(4),
		".lead":  int64(5),
		"c.d":    map[string]any{"e": int64(6)},
		"c":      map[string]any{"d": map[string]any{"e": int64(7), "f": int64(8)}},
		"same.k": int64(9),
		"same":   map[string]any{"k": int64(10)},
		"trail.": int64(11),
		"plain":  "v",
		"arr":    map[string]any{"idx": []any{int64(1)}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %#v\nwant %#v", m, want)
	}
}
