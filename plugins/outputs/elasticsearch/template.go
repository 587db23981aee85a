package elasticsearch

import (
	"encoding/json"
	"strings"
)

// templatePattern turns the index setting into the template's index
// pattern: the literal prefix before the first %{...}, then "*"
// ("logstash-%{+yyyy.MM.dd}" → "logstash-*").
func templatePattern(index string) string {
	prefix, _, _ := strings.Cut(index, "%{")
	return prefix + "*"
}

// defaultTemplate is the index template installed when `template` is not
// given: @timestamp is a date, strings are text with a keyword sub-field
// (ECS mode: keywords, with message as text), geo points where Logstash's
// geoip filter puts them.
func defaultTemplate(index string, ecs, composable bool) []byte {
	settings := map[string]any{"index": map[string]any{"refresh_interval": "5s", "number_of_shards": 1}}
	var dynamic []any
	props := map[string]any{
		"@timestamp": map[string]any{"type": "date"},
		"@version":   map[string]any{"type": "keyword"},
	}
	if ecs {
		dynamic = []any{
			map[string]any{"message_field": map[string]any{
				"path_match": "message", "match_mapping_type": "string",
				"mapping": map[string]any{"type": "text"},
			}},
			map[string]any{"string_fields": map[string]any{
				"match": "*", "match_mapping_type": "string",
				"mapping": map[string]any{"type": "keyword", "ignore_above": 1024},
			}},
		}
		props["geo"] = map[string]any{"properties": map[string]any{"location": map[string]any{"type": "geo_point"}}}
	} else {
		dynamic = []any{
			map[string]any{"message_field": map[string]any{
				"path_match": "message", "match_mapping_type": "string",
				"mapping": map[string]any{"type": "text", "norms": false},
			}},
			map[string]any{"string_fields": map[string]any{
				"match": "*", "match_mapping_type": "string",
				"mapping": map[string]any{"type": "text", "norms": false,
					"fields": map[string]any{"keyword": map[string]any{"type": "keyword", "ignore_above": 256}}},
			}},
		}
		props["geoip"] = map[string]any{"dynamic": true, "properties": map[string]any{
			"ip": map[string]any{"type": "ip"}, "location": map[string]any{"type": "geo_point"},
			"latitude": map[string]any{"type": "half_float"}, "longitude": map[string]any{"type": "half_float"},
		}}
	}
	mappings := map[string]any{"dynamic_templates": dynamic, "properties": props}
	var t map[string]any
	if composable {
		t = map[string]any{
			"index_patterns": []string{templatePattern(index)},
			"priority":       200,
			"template":       map[string]any{"settings": settings, "mappings": mappings},
		}
	} else {
		t = map[string]any{
			"index_patterns": []string{templatePattern(index)},
			"order":          0,
			"settings":       settings,
			"mappings":       mappings,
		}
	}
	b, err := json.Marshal(t)
	if err != nil {
		panic("BUG: default template: " + err.Error())
	}
	return b
}

// dataStreamTemplate is the composable template that makes `<type>-*-*`
// indices data streams on OpenSearch, which has no built-in one.
func dataStreamTemplate(typ string) []byte {
	t := map[string]any{
		"index_patterns": []string{typ + "-*-*"},
		"data_stream":    map[string]any{},
		"priority":       100,
		"template": map[string]any{"mappings": map[string]any{
			"properties": map[string]any{"@timestamp": map[string]any{"type": "date"}},
		}},
	}
	b, err := json.Marshal(t)
	if err != nil {
		panic("BUG: data stream template: " + err.Error())
	}
	return b
}
