package http

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

// FuzzBodies builds every format's body from events decoded from
// arbitrary JSON (any values, any keys) and checks that the JSON formats
// are valid JSON with one document per event and the form decodes.
func FuzzBodies(f *testing.F) {
	for _, s := range []string{
		`{"message":"hello","n":1,"f":1.5,"b":true,"nil":null}`,
		`{"a":{"b":[1,"x",{"c":"\u00e9\u65e5\ud83d\ude80"}]},"tags":["t"]}`,
		`{"k=v&x":"a b+c%","\n":"\u0000\u001f","@timestamp":"2026-11-24T08:00:00Z"}`,
		`{"message":"\xff\xfe invalid utf8"}`,
	} {
		f.Add(s, "%{message} %{[a][b]}")
	}
	m, err := compileMapping(plugin.Hash{{Key: "m", Value: "%{message}"}, {Key: "nested", Value: plugin.Hash{{Key: "x", Value: []any{"%{n}", int64(2)}}}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc, tmpl string) {
		fields, err := event.DecodeJSON([]byte(doc))
		if err != nil {
			return
		}
		e := event.FromMap(fields)
		msg, err := event.ParseTemplate(tmpl)
		if err != nil {
			return
		}
		for _, mp := range []*mapNode{nil, m} {
			for _, fm := range []format{formatJSON, formatJSONBatch, formatNDJSON, formatForm, formatMessage} {
				o := &Output{format: fm, mapping: mp, message: msg}
				body := o.appendBody(nil, []*event.Event{e, e})
				switch fm {
				case formatJSON:
					var v map[string]any
					if err := json.Unmarshal(body, &v); err != nil {
						t.Fatalf("json body %q: %v", body, err)
					}
				case formatJSONBatch:
					var v []map[string]any
					if err := json.Unmarshal(body, &v); err != nil || len(v) != 2 {
						t.Fatalf("json_batch body %q: %v", body, err)
					}
				case formatNDJSON:
					lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
					if len(lines) != 2 {
						t.Fatalf("ndjson body %q: %d lines", body, len(lines))
					}
					for _, l := range lines {
						var v map[string]any
						if err := json.Unmarshal([]byte(l), &v); err != nil {
							t.Fatalf("ndjson line %q: %v", l, err)
						}
					}
				case formatForm:
					if _, err := url.ParseQuery(string(body)); err != nil {
						t.Fatalf("form body %q: %v", body, err)
					}
				}
			}
		}
	})
}
