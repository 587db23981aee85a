package codecutil

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Python formats recognised by NormalizePython (see docs/python.md).
const (
	FormatPlain      = ""                   // nothing recognised: left as it is
	FormatLogstashV0 = "python-logstash-v0" // @message, @fields, @source_host ...
	FormatECS        = "ecs-logging"        // flat dotted keys such as log.level, ecs.version
	FormatStructlog  = "structlog"          // event is the message, timestamp, level
	FormatLogstashV1 = "logstash-v1"        // already Logstash's shape (python-logstash v1, python-logstash-async)
)

// NormalizePython rewrites, in place, a decoded JSON object written by one
// of the common Python logging formatters into Logstash's event shape, and
// returns the name of the format it recognised. Nothing is dropped: a value
// that cannot move (its new place is taken) stays where it was.
//
//   - python-logstash formatter version 0 (`@fields` object or `@message`):
//     @message → message, @source_host → host, @source_path → path,
//     @type → type, @tags → tags, and the members of @fields are lifted to
//     the top level.
//   - ecs-logging (a top-level "ecs.version" key): dotted keys are expanded
//     into nested objects, merged with the objects already there
//     ("log.level" joins "log": {"logger": ...}).
//   - structlog's JSONRenderer (a string `event` and no `message`): event →
//     message.
//   - every format: without @timestamp, a `timestamp` string (ISO-8601) or
//     number (Unix seconds, or milliseconds when above 1e11) becomes
//     @timestamp; a numeric @timestamp is read the same way; a numeric
//     @version (python-logstash writes 1) becomes the string "1".
func NormalizePython(m map[string]any) string {
	format := FormatPlain
	if _, ok := m["@version"]; ok {
		format = FormatLogstashV1
	}
	if f, ok := m["@fields"].(map[string]any); ok || isString(m["@message"]) {
		format = FormatLogstashV0
		for _, mv := range [...][2]string{
			{"@message", "message"}, {"@source_host", "host"}, {"@source_path", "path"},
			{"@type", "type"}, {"@tags", "tags"},
		} {
			move(m, mv[0], mv[1])
		}
		if ok {
			for k, v := range f {
				if _, taken := m[k]; !taken {
					m[k] = v
					delete(f, k)
				}
			}
			if len(f) == 0 {
				delete(m, "@fields")
			}
		}
	}
	if _, ok := m["ecs.version"]; ok {
		format = FormatECS
		ExpandDottedKeys(m)
	}
	if _, hasMsg := m["message"]; !hasMsg && isString(m["event"]) {
		if format == FormatPlain {
			format = FormatStructlog
		}
		move(m, "event", "message")
	}
	switch ts := m[event.TimestampField].(type) {
	case nil:
		if t, ok := pythonTime(m["timestamp"]); ok {
			m[event.TimestampField] = t
			delete(m, "timestamp")
		}
	case int64, float64:
		if t, ok := pythonTime(ts); ok {
			m[event.TimestampField] = t
		}
	}
	switch v := m[event.VersionField].(type) {
	case int64:
		m[event.VersionField] = strconv.FormatInt(v, 10)
	case float64:
		m[event.VersionField] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return format
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// move renames from to to unless to is taken.
func move(m map[string]any, from, to string) {
	v, ok := m[from]
	if !ok {
		return
	}
	if _, taken := m[to]; taken {
		return
	}
	m[to] = v
	delete(m, from)
}

// pythonTime reads an ISO-8601 string or a Unix time in seconds (or
// milliseconds when above 1e11).
func pythonTime(v any) (time.Time, bool) {
	var f float64
	switch x := v.(type) {
	case string:
		t, err := event.ParseTimestamp(x)
		return t, err == nil
	case int64:
		f = float64(x)
	case float64:
		f = x
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e14 {
		return time.Time{}, false
	}
	if f > 1e11 {
		f /= 1000
	}
	sec, frac := math.Modf(f)
	// Round to microseconds: Python's time.time() has no more precision
	// and float noise would otherwise show up in the nanoseconds.
	usec := math.Round(frac * 1e6)
	return time.Unix(int64(sec), int64(usec)*1000).UTC(), true
}

// ExpandDottedKeys turns keys with dots into nested objects, recursively:
// {"log.level": "info", "log": {"logger": "app"}} becomes
// {"log": {"level": "info", "logger": "app"}}. A dotted key whose path is
// blocked by a value that is not an object, or whose value would replace
// an existing one, is left as it is. Keys with empty parts ("a..b", ".a")
// are left alone.
func ExpandDottedKeys(m map[string]any) {
	expandDotted(m, 0)
}

func expandDotted(m map[string]any, depth int) {
	if depth > event.MaxJSONDepth {
		return
	}
	var dotted []string
	for k, v := range m {
		expandIn(v, depth)
		if strings.IndexByte(k, '.') >= 0 {
			dotted = append(dotted, k)
		}
	}
	slices.Sort(dotted)
	for _, k := range dotted {
		parts := strings.Split(k, ".")
		if slices.Contains(parts, "") {
			continue
		}
		cur, ok := m, true
		for _, p := range parts[:len(parts)-1] {
			switch x := cur[p].(type) {
			case map[string]any:
				cur = x
			default:
				if _, exists := cur[p]; exists {
					ok = false
				} else {
					n := map[string]any{}
					cur[p] = n
					cur = n
				}
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		last := parts[len(parts)-1]
		v := m[k]
		old, exists := cur[last]
		if !exists {
			cur[last] = v
			delete(m, k)
			continue
		}
		om, ok1 := old.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			mergeMissing(om, vm)
			if len(vm) == 0 {
				delete(m, k)
			}
		}
	}
}

func expandIn(v any, depth int) {
	switch x := v.(type) {
	case map[string]any:
		expandDotted(x, depth+1)
	case []any:
		for _, e := range x {
			expandIn(e, depth+1)
		}
	}
}

// mergeMissing moves the members of src that dst lacks into dst (merging
// objects found in both); what is left in src conflicted.
func mergeMissing(dst, src map[string]any) {
	for k, v := range src {
		old, exists := dst[k]
		if !exists {
			dst[k] = v
			delete(src, k)
			continue
		}
		om, ok1 := old.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			mergeMissing(om, vm)
			if len(vm) == 0 {
				delete(src, k)
			}
		}
	}
}
