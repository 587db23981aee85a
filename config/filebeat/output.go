package filebeat

import (
	"strings"

	"github.com/sluicelog/sluice/config"
)

// outputMap says how one output.<kind>.<key> translates: to a setting of
// the Sluice output (setting), or through a function.
type outputKey struct {
	setting string
	kind    string // str, strs, bool, int, dur, or "" for special handling
	warn    string // accepted and ignored, with this reason
	err     string // refused, with this reason
}

var logstashKeys = map[string]outputKey{
	"enabled":                     {kind: "special"},
	"hosts":                       {setting: "hosts", kind: "strs"},
	"loadbalance":                 {setting: "loadbalance", kind: "bool"},
	"worker":                      {setting: "worker", kind: "int"},
	"workers":                     {setting: "worker", kind: "int"},
	"bulk_max_size":               {setting: "bulk_max_size", kind: "int"},
	"compression_level":           {setting: "compression_level", kind: "int"},
	"ttl":                         {setting: "ttl", kind: "dur"},
	"timeout":                     {setting: "timeout", kind: "dur"},
	"backoff.init":                {setting: "backoff_init", kind: "dur"},
	"backoff.max":                 {setting: "backoff_max", kind: "dur"},
	"index":                       {kind: "special"},
	"pipelining":                  {kind: "special"},
	"ssl.enabled":                 {setting: "ssl_enabled", kind: "bool"},
	"ssl.certificate_authorities": {setting: "ssl_certificate_authorities", kind: "strs"},
	"ssl.certificate":             {setting: "ssl_client_certificate", kind: "str"},
	"ssl.key":                     {setting: "ssl_client_key", kind: "str"},
	"ssl.key_passphrase":          {setting: "ssl_key_passphrase", kind: "str"},
	"ssl.verification_mode":       {kind: "special"},
	"ssl.supported_protocols":     {setting: "ssl_supported_protocols", kind: "strs"},
	"ssl.cipher_suites":           {setting: "ssl_cipher_suites", kind: "strs"},
	"slow_start":                  {warn: "windows are always bulk_max_size events at most"},
	"max_retries":                 {warn: "sluice ship retries until the events are delivered (at least once), never drops them"},
	"escape_html":                 {warn: "HTML characters are never escaped"},
	"proxy_use_local_resolver":    {warn: "proxies are not supported"},
	"ssl.curve_types":             {warn: "Go chooses the curves"},
	"ssl.renegotiation":           {warn: "renegotiation is never used"},
	"queue":                       {warn: "the pipeline's queue is used"},
	"proxy_url":                   {err: "SOCKS5 proxies are not supported"},
	"ssl.ca_trusted_fingerprint":  {err: "ssl.ca_trusted_fingerprint is not supported; use ssl.certificate_authorities"},
}

var elasticsearchKeys = map[string]outputKey{
	"enabled":                     {kind: "special"},
	"hosts":                       {kind: "special"},
	"protocol":                    {kind: "special"},
	"path":                        {kind: "special"},
	"index":                       {kind: "special"},
	"username":                    {setting: "user", kind: "str"},
	"password":                    {setting: "password", kind: "str"},
	"api_key":                     {setting: "api_key", kind: "str"},
	"pipeline":                    {setting: "pipeline", kind: "str"},
	"ssl.enabled":                 {setting: "ssl_enabled", kind: "bool"},
	"ssl.certificate_authorities": {setting: "ssl_certificate_authorities", kind: "strs"},
	"ssl.certificate":             {setting: "ssl_certificate", kind: "str"},
	"ssl.key":                     {setting: "ssl_key", kind: "str"},
	"ssl.verification_mode":       {kind: "special"},
	"worker":                      {warn: "the pipeline decides concurrency"},
	"workers":                     {warn: "the pipeline decides concurrency"},
	"bulk_max_size":               {warn: "bulk requests hold one pipeline batch (pipeline.batch.size)"},
	"compression_level":           {warn: "set compression on the elasticsearch output in a pipeline if needed"},
	"max_retries":                 {warn: "sluice ship retries until the events are delivered (at least once)"},
	"backoff.init":                {warn: "the output's own retry backoff is used"},
	"backoff.max":                 {warn: "the output's own retry backoff is used"},
	"timeout":                     {warn: "the output's own timeout is used"},
	"escape_html":                 {warn: "HTML characters are never escaped"},
	"allow_older_versions":        {warn: "not checked"},
	"preset":                      {warn: "presets are not supported; the defaults apply"},
	"headers":                     {err: "custom headers are not supported by sluice ship"},
	"parameters":                  {err: "custom URL parameters are not supported by sluice ship"},
	"proxy_url":                   {err: "proxies are not supported by sluice ship"},
	"ssl.ca_trusted_fingerprint":  {err: "ssl.ca_trusted_fingerprint is not supported; use ssl.certificate_authorities"},
	"indices":                     {err: "conditional indices are not supported; use index"},
	"pipelines":                   {err: "conditional pipelines are not supported; use pipeline"},
}

var consoleKeys = map[string]outputKey{
	"enabled":                {kind: "special"},
	"codec.json.pretty":      {kind: "special"},
	"codec.json.escape_html": {warn: "HTML characters are never escaped"},
	"codec.format.string":    {kind: "special"},
	"bulk_max_size":          {warn: "events are written one by one"},
}

var fileKeys = map[string]outputKey{
	"enabled":                {kind: "special"},
	"path":                   {kind: "special"},
	"filename":               {kind: "special"},
	"permissions":            {kind: "special"},
	"codec.json.pretty":      {kind: "special"},
	"codec.json.escape_html": {warn: "HTML characters are never escaped"},
	"codec.format.string":    {kind: "special"},
	"rotate_every_kb":        {warn: "the file output does not rotate; a new file starts each day"},
	"number_of_files":        {warn: "the file output does not rotate or delete files"},
	"rotate_on_startup":      {warn: "the file output does not rotate"},
	"bulk_max_size":          {warn: "events are written in pipeline batches"},
}

func sortedOutputKeys(m map[string]outputKey) []string { return sortedKeys(m) }

// output translates the enabled output section.
func (t *translator) output(kind string, es []*entry) {
	var keys map[string]outputKey
	name := ""
	switch kind {
	case "logstash":
		keys, name = logstashKeys, "lumberjack"
	case "elasticsearch":
		keys, name = elasticsearchKeys, "elasticsearch"
	case "console":
		keys, name = consoleKeys, "stdout"
	case "file":
		keys, name = fileKeys, "file"
	}
	prefix := "output." + kind + "."
	pos := t.pos(es[0].keyNode)
	out := &config.Plugin{Pos: pos, Name: name}
	special := map[string]*entry{}
	for _, e := range es {
		if e.key == "output."+kind {
			continue // an empty mapping: all defaults
		}
		key := strings.TrimPrefix(e.key, prefix)
		k, ok := keys[key]
		switch {
		case !ok:
			known := sortedOutputKeys(keys)
			for i := range known {
				known[i] = prefix + known[i]
			}
			t.unknownKey(e, known)
		case k.err != "":
			t.errorf(e.keyNode, "%s: %s", e.key, k.err)
		case k.warn != "":
			t.warnf(e.keyNode, "%s is ignored: %s", e.key, k.warn)
		case k.kind == "special":
			special[key] = e
		default:
			if v := t.value(e, k.kind); v != nil {
				out.Attrs = append(out.Attrs, attr(t.pos(e.keyNode), k.setting, v))
			}
		}
	}
	if e := special["ssl.verification_mode"]; e != nil {
		if v, ok := t.str(e); ok {
			switch v {
			case "full", "strict":
				v = "full"
			case "certificate", "none":
			default:
				t.errorf(e.val, "ssl.verification_mode must be full, strict, certificate or none, got %q", v)
			}
			out.Attrs = append(out.Attrs, attr(t.pos(e.keyNode), "ssl_verification_mode", strV(t.pos(e.val), v)))
		}
	}
	switch kind {
	case "logstash":
		if !hasAttr(out, "hosts") {
			t.errorf(es[0].keyNode, "output.logstash needs hosts")
		}
		if e := special["pipelining"]; e != nil {
			if n, ok := t.integer(e, 0, 1<<20); ok && n > 0 {
				t.warnf(e.keyNode, "output.logstash.pipelining is ignored: windows are sent one at a time per connection (use worker for more connections)")
			}
		}
		if e := special["index"]; e != nil {
			t.beatName, _ = t.str(e)
		}
	case "elasticsearch":
		t.elasticsearch(out, special, es[0])
	case "console":
		out.Attrs = append(out.Attrs, attr(pos, "codec", t.fileCodec(special, pos)))
	case "file":
		dir, file := "data", "filebeat"
		if e := special["path"]; e != nil {
			dir, _ = t.str(e)
		}
		if e := special["filename"]; e != nil {
			file, _ = t.str(e)
		}
		if strings.Contains(dir+file, "%{") {
			t.errorf(es[0].keyNode, "output.file path and filename cannot hold %%{ references")
		}
		out.Attrs = append(out.Attrs, attr(pos, "path", strV(pos, strings.TrimRight(dir, "/")+"/"+file+"-%{+yyyyMMdd}.ndjson")))
		if e := special["permissions"]; e != nil {
			if v, ok := t.str(e); ok {
				out.Attrs = append(out.Attrs, attr(t.pos(e.keyNode), "file_mode", strV(t.pos(e.val), v)))
			}
		}
		out.Attrs = append(out.Attrs, attr(pos, "codec", t.fileCodec(special, pos)))
	}
	t.outputs = append(t.outputs, out)
}

// fileCodec is the codec of the console and file outputs: one JSON
// document per line, or codec.format.string.
func (t *translator) fileCodec(special map[string]*entry, pos config.Pos) config.Value {
	if e := special["codec.json.pretty"]; e != nil {
		if b, ok := t.boolean(e); ok && b {
			t.warnf(e.keyNode, "codec.json.pretty is ignored: events are written one JSON document per line")
		}
	}
	if e := special["codec.format.string"]; e != nil {
		if f, ok := t.str(e); ok {
			p := t.pos(e.val)
			return &config.Plugin{Pos: p, Name: "line", Attrs: []*config.Attr{attr(p, "format", strV(p, sprintfRefs(f)))}}
		}
	}
	return &config.Plugin{Pos: pos, Name: "json_lines"}
}

// elasticsearch finishes the elasticsearch output: hosts with protocol and
// path, and the index.
func (t *translator) elasticsearch(out *config.Plugin, special map[string]*entry, first *entry) {
	e := special["hosts"]
	if e == nil {
		t.errorf(first.keyNode, "output.elasticsearch needs hosts")
		return
	}
	hosts, ok := t.strings(e)
	if !ok {
		return
	}
	scheme, path := "", ""
	if p := special["protocol"]; p != nil {
		scheme, _ = t.str(p)
		if scheme != "http" && scheme != "https" {
			t.errorf(p.val, "output.elasticsearch.protocol must be http or https, got %q", scheme)
		}
	}
	if p := special["path"]; p != nil {
		path, _ = t.str(p)
		if path != "" && !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
	}
	for i, h := range hosts {
		if !strings.Contains(h, "://") && scheme != "" {
			h = scheme + "://" + h
		}
		if path != "" {
			h = strings.TrimRight(h, "/") + path
		}
		hosts[i] = h
	}
	out.Attrs = append(out.Attrs, attr(t.pos(e.keyNode), "hosts", strsV(t.pos(e.val), hosts)))
	if ix := special["index"]; ix != nil {
		if v, ok := t.str(ix); ok {
			out.Attrs = append(out.Attrs, attr(t.pos(ix.keyNode), "index", strV(t.pos(ix.val), sprintfRefs(v))))
		}
	}
}

// value converts an entry to a setting value of the given kind.
func (t *translator) value(e *entry, kind string) config.Value {
	p := t.pos(e.val)
	switch kind {
	case "str":
		if v, ok := t.str(e); ok {
			return strV(p, v)
		}
	case "strs":
		if v, ok := t.strings(e); ok {
			return strsV(p, v)
		}
	case "bool":
		if v, ok := t.boolean(e); ok {
			return boolV(p, v)
		}
	case "int":
		if v, ok := t.integer(e, 0, 1<<31-1); ok {
			return intV(p, v)
		}
	case "dur":
		if v, ok := t.duration(e); ok {
			return numV(p, v)
		}
	}
	return nil
}
