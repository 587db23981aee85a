package filebeat

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/config"
)

// inputKeys are the filebeat.inputs settings sluice ship translates.
var inputKeys = []string{
	"type", "id", "enabled", "paths", "exclude_files", "include_lines", "exclude_lines",
	"fields", "fields_under_root", "tags", "encoding", "prospector.scanner.check_interval",
	"ignore_older", "close.on_state_change.inactive", "clean_removed", "harvester_limit",
	"message_max_bytes", "clean_inactive", "file_identity.fingerprint", "file_identity.native", "parsers", "processors",
	// The `log` input's names.
	"scan_frequency", "close_inactive", "max_bytes", "tail_files",
	"multiline.type", "multiline.pattern", "multiline.negate", "multiline.match",
	"multiline.max_lines", "multiline.timeout", "multiline.preset", "multiline.count_lines", "multiline.flush_pattern",
	"json.keys_under_root", "json.overwrite_keys", "json.add_error_key", "json.ignore_decoding_error",
}

// ignoredInputKeys are accepted with a warning (prefixes end in a dot).
var ignoredInputKeys = []string{
	"prospector.scanner.symlinks", "prospector.scanner.resend_on_touch", "prospector.scanner.fingerprint.",
	"prospector.scanner.exclude_files", "close.on_state_change.renamed", "close.on_state_change.removed",
	"close.on_state_change.check_interval", "close.reader.", "backoff.", "pipeline",
	"index", "keep_null", "publisher_pipeline.", "take_over", "ignore_inactive", "symlinks",
	"recursive_glob.enabled", "close_renamed", "close_removed", "close_eof", "close_timeout",
	"harvester_buffer_size", "backoff_factor", "max_backoff", "json.document_id",
	"rotation.", "service.", "allow_deprecated_use", "processors_inline",
}

var unsupportedInputKeys = map[string]string{
	"file_identity.inode_marker": "the inode_marker file identity is not supported; use fingerprint (default) or native",
	"file_identity.path":         "the path file identity is not supported; use fingerprint (default) or native",
	"json.message_key":           "json.message_key (joining JSON documents with multiline) is not supported",
	"delete":                     "deleting files after reading is not supported",
	"multiline.skip_newline":     "multiline.skip_newline is not supported",
}

// input translates one entry of filebeat.inputs to a `file` input, and
// its parsers and processors to filters that only its events see.
func (t *translator) input(i int, n *yaml.Node) config.Statement {
	if n.Kind != yaml.MappingNode {
		t.errorf(n, "filebeat.inputs[%d] must be a mapping of settings, got %s", i, describe(n))
		return nil
	}
	entries := t.flatten(n, "", func(key string) bool { return key == "fields" })
	by := map[string]*entry{}
	for _, e := range entries {
		switch {
		case strings.HasPrefix(e.key, "multiline.") && unsupportedInputKeys[e.key] == "" && !contains(inputKeys, e.key):
			t.unknownKey(e, inputKeys)
		case contains(inputKeys, e.key):
			by[e.key] = e
		case unsupportedInputKeys[e.key] != "":
			t.errorf(e.keyNode, "%s: %s", e.key, unsupportedInputKeys[e.key])
		case matchesPrefix(e.key, ignoredInputKeys):
			t.warnf(e.keyNode, "%s is ignored by sluice ship", e.key)
		default:
			t.unknownKey(e, inputKeys)
		}
	}
	if e := by["enabled"]; e != nil {
		if on, ok := t.boolean(e); ok && !on {
			return nil
		}
	}
	typ := ""
	if e := by["type"]; e != nil {
		typ, _ = t.str(e)
		switch typ {
		case "filestream", "log":
		case "":
		default:
			t.errorf(e.val, "input type %q is not supported; sluice ship reads files with type filestream (or log)", typ)
			return nil
		}
	} else {
		t.errorf(n, "filebeat.inputs[%d] has no type (use type: filestream)", i)
		return nil
	}
	pos := t.pos(n)
	in := &config.Plugin{Pos: pos, Name: "file"}
	add := func(e *entry, name string, v config.Value) {
		in.Attrs = append(in.Attrs, attr(t.pos(e.keyNode), name, v))
	}

	id := ""
	if e := by["id"]; e != nil {
		id, _ = t.str(e)
	}
	if id == "" {
		id = fmt.Sprintf("%s-%d", typ, i)
		t.warnf(n, "filebeat.inputs[%d] has no id: using %q (give every input a unique id: its read positions are kept under it, and this one changes when inputs are reordered)", i, id)
	}
	if t.ids[id] {
		e := by["id"]
		if e == nil {
			t.errorf(n, "two inputs have the id %q", id)
		} else {
			t.errorf(e.val, "two inputs have the id %q; ids must be unique", id)
		}
	}
	t.ids[id] = true
	in.Attrs = append(in.Attrs, attr(pos, "id", strV(pos, id)))

	if e := by["paths"]; e != nil {
		if paths, ok := t.strings(e); ok {
			if len(paths) == 0 {
				t.errorf(e.val, "paths is empty")
			}
			add(e, "path", strsV(t.pos(e.val), paths))
		}
	} else {
		t.errorf(n, "filebeat.inputs[%d] (%s) has no paths", i, id)
	}
	// Filebeat reads a file it has not seen from the start.
	start := "beginning"
	if e := by["tail_files"]; e != nil {
		if b, ok := t.boolean(e); ok && b {
			start = "end"
		}
	}
	in.Attrs = append(in.Attrs, attr(pos, "start_position", strV(pos, start)))

	for _, k := range []string{"exclude_files", "include_lines", "exclude_lines"} {
		if e := by[k]; e != nil {
			if v, ok := t.strings(e); ok {
				add(e, k, strsV(t.pos(e.val), v))
			}
		}
	}
	if e := by["encoding"]; e != nil {
		if enc, ok := t.str(e); ok {
			switch strings.ToLower(enc) {
			case "utf-8", "utf8", "plain":
			default:
				t.errorf(e.val, "encoding %q is not supported yet; files are read as UTF-8 (invalid bytes replaced)", enc)
			}
		}
	}
	durations := []struct {
		keys    []string
		setting string
	}{
		{[]string{"prospector.scanner.check_interval", "scan_frequency"}, "discover_interval"},
		{[]string{"ignore_older"}, "ignore_older"},
		{[]string{"close.on_state_change.inactive", "close_inactive"}, "close_older"},
	}
	for _, d := range durations {
		found := false
		for _, k := range d.keys {
			if e := by[k]; e != nil {
				if s, ok := t.duration(e); ok {
					add(e, d.setting, numV(t.pos(e.val), s))
				}
				found = true
				break
			}
		}
		// Filebeat closes a file after 5 minutes without new lines; the
		// file input's own default is Logstash's hour.
		if !found && d.setting == "close_older" {
			in.Attrs = append(in.Attrs, attr(pos, "close_older", numV(pos, 300)))
		}
	}
	if e := by["clean_inactive"]; e != nil {
		// The file input forgets only files no scan sees any more, which
		// is the safe part of Filebeat's clean_inactive.
		if d, ok := t.duration(e); ok {
			p := t.pos(e.val)
			add(e, "sincedb_clean_after", strV(p, strconv.FormatFloat(d, 'f', -1, 64)+" seconds"))
		}
	}
	if e := by["clean_removed"]; e != nil {
		if b, ok := t.boolean(e); ok {
			add(e, "clean_removed", boolV(t.pos(e.val), b))
		}
	}
	if e := by["harvester_limit"]; e != nil {
		if v, ok := t.integer(e, 0, 1<<20); ok && v > 0 {
			add(e, "max_open_files", intV(t.pos(e.val), v))
		}
	}
	for _, k := range []string{"message_max_bytes", "max_bytes"} {
		if e := by[k]; e != nil {
			if v, ok := t.integer(e, 1, 1<<30); ok {
				add(e, "max_bytes", intV(t.pos(e.val), v))
			}
			break
		}
	}
	fp, native := by["file_identity.fingerprint"], by["file_identity.native"]
	switch {
	case fp != nil && native != nil:
		t.errorf(native.keyNode, "file_identity: give one of fingerprint and native")
	case native != nil:
		add(native, "file_identity", strV(t.pos(native.keyNode), "native"))
	case fp != nil:
		add(fp, "file_identity", strV(t.pos(fp.keyNode), "fingerprint"))
	}

	// Tags and the fields of Filebeat's event layout.
	var tags []string
	if e := by["tags"]; e != nil {
		tags, _ = t.strings(e)
	}
	tags = append(tags, t.globalTags...)
	if len(tags) > 0 {
		in.Attrs = append(in.Attrs, attr(pos, "tags", strsV(pos, tags)))
	}
	beat := t.beatName
	if beat == "" {
		beat = "filebeat"
	}
	layout := hashV(pos,
		"[agent][type]", "filebeat",
		"[agent][name]", t.name,
		"[agent][version]", t.opts.Version,
		"[ecs][version]", ECSVersion,
		"[input][type]", typ,
		"[@metadata][beat]", beat,
		"[@metadata][version]", t.opts.Version,
	)

	// Parsers (in the input for Filebeat) and the input's processors run
	// as filters on this input's events only.
	var own []config.Statement
	if codec := t.multiline(by, pos); codec != nil {
		in.Attrs = append(in.Attrs, attr(codec.Pos, "codec", codec))
	}
	if e := by["parsers"]; e != nil {
		own = append(own, t.parsers(e, in)...)
	}
	if j := t.legacyJSON(by); j != nil {
		own = append(own, j)
	}
	if !hasAttr(in, "codec") {
		// Filebeat sends the line once, in message: the line codec's ECS
		// copy in [event][original] would double every document (the
		// beats input fills it on the server when it is wanted).
		in.Attrs = append(in.Attrs, attr(pos, "codec", &config.Plugin{Pos: pos, Name: "line",
			Attrs: []*config.Attr{attr(pos, "ecs_compatibility", strV(pos, "disabled"))}}))
	}
	if e := by["fields"]; e != nil {
		under := false
		if u := by["fields_under_root"]; u != nil {
			under, _ = t.boolean(u)
		}
		own = append(own, t.fieldsMutate(e, under, "fields")...)
	}
	if e := by["processors"]; e != nil {
		own = append(own, t.processors(e)...)
	}
	if len(own) > 0 {
		layout.Entries = append(layout.Entries, &config.HashEntry{Pos: pos, Key: inputMarker, Value: strV(pos, id)})
		t.filters = append(t.filters, &config.If{Pos: pos, Branches: []*config.Branch{{
			Pos:  pos,
			Cond: &config.Binary{Pos: pos, Op: "==", Left: &config.FieldRef{Pos: pos, Raw: inputMarker}, Right: &config.StringLit{Pos: pos, Value: id}},
			Body: own,
		}}})
	}
	in.Attrs = append(in.Attrs, attr(pos, "add_field", layout))
	return in
}

// inputMarker is where events carry the id of the input that read them,
// so that its parsers and processors apply to them alone.
const inputMarker = "[@metadata][sluice_input]"

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// multiline translates the `log` input's multiline.* settings to the
// multiline codec.
func (t *translator) multiline(by map[string]*entry, pos config.Pos) *config.Plugin {
	var es []*entry
	for _, k := range inputKeys {
		if strings.HasPrefix(k, "multiline.") && by[k] != nil {
			e := *by[k]
			e.key = strings.TrimPrefix(k, "multiline.")
			es = append(es, &e)
		}
	}
	if len(es) == 0 {
		return nil
	}
	return t.multilineCodec(es, t.pos(es[0].keyNode), "multiline")
}

// multilineCodec builds the multiline codec from Filebeat's multiline
// options (keys without the multiline. prefix). Filebeat's `match: after`
// is Logstash's `what => previous`, `before` is `next`.
func (t *translator) multilineCodec(es []*entry, pos config.Pos, where string) *config.Plugin {
	c := &config.Plugin{Pos: pos, Name: "multiline"}
	hasPattern, hasPreset, hasCount := false, false, false
	mode := "pattern"
	var typeEntry, flushEntry *entry
	for _, e := range es {
		p := t.pos(e.keyNode)
		switch e.key {
		case "type":
			if v, ok := t.str(e); ok {
				switch v {
				case "pattern":
				case "count", "while_pattern", "while-pattern":
					// Filebeat's docs say while_pattern, older releases
					// while-pattern: both are accepted.
					mode = strings.ReplaceAll(v, "-", "_")
					c.Attrs = append(c.Attrs, attr(p, "mode", strV(p, mode)))
				default:
					t.errorf(e.val, "%s type must be pattern, count or while_pattern, got %q", where, v)
				}
				typeEntry = e
			}
		case "count_lines":
			if v, ok := t.integer(e, 1, 1<<24); ok {
				c.Attrs = append(c.Attrs, attr(p, "count_lines", intV(p, v)))
				hasCount = true
			}
		case "flush_pattern":
			if v, ok := t.str(e); ok {
				c.Attrs = append(c.Attrs, attr(p, "flush_pattern", strV(p, v)))
				flushEntry = e
			}
		case "pattern":
			if v, ok := t.str(e); ok {
				c.Attrs = append(c.Attrs, attr(p, "pattern", strV(p, v)))
				hasPattern = true
			}
		case "preset":
			if v, ok := t.str(e); ok {
				c.Attrs = append(c.Attrs, attr(p, "preset", strV(p, v)))
				hasPreset = true
			}
		case "negate":
			if v, ok := t.boolean(e); ok {
				c.Attrs = append(c.Attrs, attr(p, "negate", boolV(p, v)))
			}
		case "match":
			if v, ok := t.str(e); ok {
				switch v {
				case "after":
					c.Attrs = append(c.Attrs, attr(p, "what", strV(p, "previous")))
				case "before":
					c.Attrs = append(c.Attrs, attr(p, "what", strV(p, "next")))
				default:
					t.errorf(e.val, "%s match must be after or before, got %q", where, v)
				}
			}
		case "max_lines":
			if v, ok := t.integer(e, 1, 1<<24); ok {
				c.Attrs = append(c.Attrs, attr(p, "max_lines", intV(p, v)))
			}
		case "timeout":
			if v, ok := t.duration(e); ok {
				c.Attrs = append(c.Attrs, attr(p, "auto_flush_interval", numV(p, v)))
			}
		case "skip_newline":
			t.errorf(e.keyNode, "%s %s is not supported", where, e.key)
		default:
			t.errorf(e.keyNode, "unknown %s setting %q", where, e.key)
		}
	}
	if !hasAttr(c, "auto_flush_interval") {
		// Filebeat sends a pending event after 5 s without new lines.
		c.Attrs = append(c.Attrs, attr(pos, "auto_flush_interval", intV(pos, 5)))
	}
	switch mode {
	case "count":
		// Filebeat's count type uses count_lines only.
		if !hasCount {
			t.errorf(typeEntry.keyNode, "%s type count needs count_lines", where)
		}
		for _, e := range es {
			switch e.key {
			case "pattern", "negate", "match", "preset", "flush_pattern":
				t.errorf(e.keyNode, "%s %s does not apply to type count", where, e.key)
			}
		}
		return c
	case "while_pattern":
		for _, e := range es {
			switch e.key {
			case "match", "preset", "flush_pattern", "count_lines":
				t.errorf(e.keyNode, "%s %s does not apply to type while_pattern", where, e.key)
			}
		}
		if !hasPattern {
			t.errorf(typeEntry.keyNode, "%s type while_pattern needs a pattern", where)
		}
		return c
	}
	for _, e := range es {
		if e.key == "count_lines" {
			t.errorf(e.keyNode, "%s count_lines needs type: count", where)
		}
	}
	if flushEntry != nil && hasPreset {
		t.errorf(flushEntry.keyNode, "%s flush_pattern works with a pattern, not with a preset", where)
	}
	if !hasPattern && !hasPreset {
		t.errorf(es[0].keyNode, "%s needs a pattern (or a preset such as python)", where)
	}
	if hasPattern && !hasAttr(c, "what") && !hasPreset {
		// Filebeat requires match; Logstash requires what.
		t.errorf(es[0].keyNode, "%s needs match: after or match: before", where)
	}
	return c
}

// parsers translates filestream's parsers list: multiline becomes the
// input's codec, ndjson a json filter.
func (t *translator) parsers(e *entry, in *config.Plugin) []config.Statement {
	if e.val.Kind != yaml.SequenceNode {
		t.errorf(e.val, "parsers must be a list, got %s", describe(e.val))
		return nil
	}
	var out []config.Statement
	sawNDJSON := false
	for _, item := range e.val.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode || len(item.Content) != 2 {
			t.errorf(item, "each parser is a mapping with one key (multiline or ndjson), got %s", describe(item))
			continue
		}
		name, body := item.Content[0], resolve(item.Content[1])
		if body.Kind != yaml.MappingNode && !isNull(body) {
			t.errorf(body, "parser %s: expected a mapping of options, got %s", name.Value, describe(body))
			continue
		}
		var opts []*entry
		if body.Kind == yaml.MappingNode {
			opts = t.flatten(body, "", func(string) bool { return false })
		}
		switch name.Value {
		case "multiline":
			if hasAttr(in, "codec") {
				t.errorf(name, "only one multiline parser per input is supported")
				continue
			}
			if sawNDJSON {
				t.errorf(name, "multiline after ndjson (joining JSON documents by message_key) is not supported; put multiline first")
				continue
			}
			if len(opts) == 0 {
				t.errorf(name, "multiline needs a pattern (or a preset such as python)")
				continue
			}
			c := t.multilineCodec(opts, t.pos(name), "multiline")
			in.Attrs = append(in.Attrs, attr(t.pos(name), "codec", c))
		case "ndjson":
			sawNDJSON = true
			target := ""
			for _, o := range opts {
				switch o.key {
				case "target":
					target, _ = t.str(o)
				case "overwrite_keys", "add_error_key", "ignore_decoding_error", "expand_keys":
					t.warnf(o.keyNode, "ndjson %s is ignored: decoded keys overwrite existing ones and a line that is not JSON is tagged _jsonparsefailure", o.key)
				case "message_key", "document_id":
					t.errorf(o.keyNode, "ndjson %s is not supported", o.key)
				default:
					t.errorf(o.keyNode, "unknown ndjson setting %q", o.key)
				}
			}
			out = append(out, t.jsonFilter(t.pos(name), target))
		case "container", "syslog", "include_message":
			t.errorf(name, "the %s parser is not supported; parse in `sluice serve` (e.g. with the syslog_pri or grok filter)", name.Value)
		default:
			t.errorf(name, "unknown parser %q (sluice ship supports multiline and ndjson)", name.Value)
		}
	}
	return out
}

func (t *translator) jsonFilter(pos config.Pos, target string) *config.Plugin {
	p := &config.Plugin{Pos: pos, Name: "json", Attrs: []*config.Attr{attr(pos, "source", strV(pos, "message"))}}
	if target != "" {
		p.Attrs = append(p.Attrs, attr(pos, "target", strV(pos, fieldRef(target))))
	}
	return p
}

// legacyJSON translates the log input's json.* settings.
func (t *translator) legacyJSON(by map[string]*entry) *config.Plugin {
	var first *entry
	under := false
	for _, k := range []string{"json.keys_under_root", "json.overwrite_keys", "json.add_error_key", "json.ignore_decoding_error"} {
		e := by[k]
		if e == nil {
			continue
		}
		if first == nil {
			first = e
		}
		if k == "json.keys_under_root" {
			under, _ = t.boolean(e)
		} else {
			t.warnf(e.keyNode, "%s is ignored: decoded keys overwrite existing ones and a line that is not JSON is tagged _jsonparsefailure", k)
		}
	}
	if first == nil {
		return nil
	}
	target := "json"
	if under {
		target = ""
	}
	return t.jsonFilter(t.pos(first.keyNode), target)
}

func hasAttr(p *config.Plugin, name string) bool {
	for _, a := range p.Attrs {
		if a.Name == name {
			return true
		}
	}
	return false
}
