// Package elasticsearch is the elasticsearch output, also registered as
// opensearch: it indexes events through the _bulk API of Elasticsearch
// (7.x, 8.x) or OpenSearch (1.x to 3.x), over plain net/http.
package elasticsearch

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/netutil"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

//go:embed example-opensearch.conf
var exampleOpenSearch string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindOutput,
		Name:        "elasticsearch",
		Summary:     "Indexes events into Elasticsearch or OpenSearch through the _bulk API.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Output{flavor: flavorElasticsearch} },
	})
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindOutput,
		Name:    "opensearch",
		Summary: "Indexes events into OpenSearch or Elasticsearch through the _bulk API (the elasticsearch output under the OpenSearch plugin's setting names).",
		Description: "The same output as `elasticsearch`, with the setting names of the OpenSearch project's " +
			"Logstash output where they differ (`ssl`, `ssl_certificate_verification`, `cacert`, " +
			"`legacy_template`). Everything said on the elasticsearch page applies.\n\n" + description,
		Example: exampleOpenSearch,
		New:     func() plugin.Plugin { return &Output{flavor: flavorOpenSearch} },
	})
}

const description = `Sends events to Elasticsearch or OpenSearch with the ` + "`_bulk`" + ` API: each batch of the
pipeline becomes one bulk request (split when it would exceed ` + "`target_bulk_bytes`" + `, 20 MiB),
newline-delimited JSON, gzip-compressed with ` + "`http_compression`" + `.

### Delivery

A batch is acknowledged only when every one of its events reached a final outcome, so inputs
that wait for acknowledgements (beats, http, the file shipper) lose nothing while the cluster
is down; the pipeline slows down instead (backpressure). Per event, as Logstash does:

- 200/201: indexed.
- 409 (version conflict, e.g. ` + "`create`" + ` of an existing ` + "`document_id`" + `): logged and dropped (counted).
- 400 and 404 (mapping conflicts, bad index names): written to the dead letter queue when it
  is enabled, else logged and dropped (counted). Never retried.
- 429 and every other status: retried with exponential backoff, from ` + "`retry_initial_interval`" + `
  doubling up to ` + "`retry_max_interval`" + `, until they succeed or the pipeline stops.
- A connection error or a failed bulk request (non-200 answer) retries the whole request. The
  host that failed to answer is marked dead and skipped; it is checked again with a
  ` + "`GET healthcheck_path`" + ` every ` + "`resurrect_delay`" + ` seconds. Requests go to the live hosts in turn.

### Versions

At the first batch the output asks ` + "`GET /`" + ` for the server's version and adapts: Elasticsearch 6
gets a ` + "`_type`" + `, 7 and 8 and OpenSearch 1 to 3 do not. With ` + "`manage_template`" + ` it then installs
its index template (composable on Elasticsearch 8 and OpenSearch, legacy on Elasticsearch 7;
` + "`template_api`" + ` decides) unless one of that name exists (` + "`template_overwrite`" + `).

### Data streams

With ` + "`data_stream => true`" + ` events go to the data stream
` + "`<data_stream_type>-<data_stream_dataset>-<data_stream_namespace>`" + ` (` + "`logs-generic-default`" + `) with
the ` + "`create`" + ` action; with ` + "`data_stream_auto_routing`" + ` an event's own ` + "`[data_stream][type|dataset|namespace]`" + `
fields choose the stream. ` + "`auto`" + ` (the default) enables data streams as Logstash 8 does: in ECS mode,
against Elasticsearch 8 or later, when none of ` + "`index`" + `, ` + "`template`" + `, ` + "`template_name`" + `,
` + "`document_id`" + `, ` + "`routing`" + ` or ` + "`pipeline`" + ` is set. OpenSearch has no built-in data stream template:
with ` + "`manage_template`" + ` the output installs one for ` + "`<data_stream_type>-*-*`" + `. The cluster must have
data streams (Elasticsearch 7.9 or later in its default distribution, OpenSearch 1.0 or later); against
one without (an older Elasticsearch, or the OSS distribution of 7.x) the output logs an error and sends
nothing, retrying, instead of writing into a plain index of the stream's name.

### Differences from Logstash

- Sniffing, ILM settings (` + "`ilm_*`" + `), ` + "`cloud_id`" + `/` + "`cloud_auth`" + `, proxies and client certificates
  from keystores are not available; client certificates are PEM files (` + "`ssl_certificate`" + `,
  ` + "`ssl_key`" + `).
- The default template is smaller than Logstash's: ` + "`@timestamp`" + ` is a date, strings are text
  with a ` + "`keyword`" + ` sub-field (ECS mode: keywords, ` + "`message`" + ` is text).
- ` + "`target_bulk_bytes`" + ` (Logstash's fixed 20 MiB) is a setting.
- Unknown item statuses (other than 400, 404, 409) are retried like 429, as Logstash does;
  ` + "`dlq_custom_codes`" + ` is not available.
`

type flavor int

const (
	flavorElasticsearch flavor = iota
	flavorOpenSearch
)

// Output is the elasticsearch (and opensearch) output.
type Output struct {
	flavor flavor

	Hosts                 []string
	Index                 string
	DocumentID            string
	Routing               string
	Pipeline              string
	Action                string
	DocAsUpsert           bool
	DataStream            string
	DataStreamType        string
	DataStreamDataset     string
	DataStreamNamespace   string
	DataStreamAutoRouting bool
	DataStreamSyncFields  bool
	User                  string
	Password              string
	APIKey                string
	Path                  string
	CustomHeaders         plugin.Hash
	HTTPCompression       bool
	Timeout               time.Duration
	RetryInitialInterval  time.Duration
	RetryMaxInterval      time.Duration
	HealthcheckPath       string
	ResurrectDelay        time.Duration
	TargetBulkBytes       int64
	ManageTemplate        bool
	Template              string
	TemplateName          string
	TemplateOverwrite     bool
	TemplateAPI           string

	SSLEnabled            bool
	SSLCertificateAuths   []string
	SSLVerificationMode   string
	SSLCertificate        string
	SSLKey                string
	SSLSupportedProtocols []string
	SSLCertVerification   bool   // opensearch: ssl_certificate_verification
	CACert                string // opensearch: cacert
	LegacyTemplate        bool   // opensearch: legacy_template
	settingsRef           *plugin.Settings

	pctx       *plugin.Context
	log        *slog.Logger
	indexTpl   *event.Template
	idTpl      *event.Template
	routingTpl *event.Template
	pipeTpl    *event.Template
	actionTpl  *event.Template
	pool       *hostPool
	client     *client
	templateJS []byte // the template to install (nil: the default)

	setupMu   sync.Mutex
	setupDone atomic.Bool
	server    serverInfo
	useDS     bool // data streams decided at setup

	stats Stats
}

// Stats counts outcomes (for tests and logs).
type Stats struct {
	Indexed      atomic.Int64 // 200/201 items
	Conflicts    atomic.Int64 // 409 items dropped
	DeadLettered atomic.Int64 // 400/404 items written to the dead letter queue
	Dropped      atomic.Int64 // 400/404 items dropped (no dead letter queue) and unencodable events
	Retried      atomic.Int64 // item retries (429, 5xx, connection errors)
	Requests     atomic.Int64 // bulk requests sent
}

var (
	_ plugin.Output      = (*Output)(nil)
	_ plugin.Initializer = (*Output)(nil)
	_ plugin.Closer      = (*Output)(nil)
)

// Settings declares the options.
func (o *Output) Settings(s *plugin.Settings) {
	o.settingsRef = s
	s.Strings(&o.Hosts, "hosts", "Nodes to send to: URLs (`https://es1:9200`, `es2:9200`, a path prefix is kept). "+
		"Requests go to the live hosts in turn; a host that does not answer is skipped until a health check succeeds.").
		Default([]string{"http://127.0.0.1:9200"}).Example(`["https://es1:9200", "https://es2:9200"]`)
	s.String(&o.Index, "index", "The index to write to, with event fields and the event's date (`%{+yyyy.MM.dd}`). "+
		"Default: `logstash-%{+yyyy.MM.dd}`, or `ecs-logstash-%{+yyyy.MM.dd}` in ECS mode. Ignored with data streams.").
		Example(`"app-%{[service][name]}-%{+yyyy.MM.dd}"`)
	s.String(&o.DocumentID, "document_id", "The document id (`%{[@metadata][fingerprint]}`); re-sending an event with the same id "+
		"overwrites (index) or conflicts (create) instead of duplicating. Empty lets the server choose.")
	s.String(&o.Routing, "routing", "Routing value for each document (sprintf).")
	s.String(&o.Pipeline, "pipeline", "Ingest pipeline to run on each document (sprintf; empty renders mean none).")
	s.String(&o.Action, "action", "Bulk action: `index`, `create`, `update` or `delete`, or a sprintf that renders to one of them. "+
		"`update` and `delete` need `document_id`. Default: `index`, `create` with data streams.")
	s.Bool(&o.DocAsUpsert, "doc_as_upsert", "With `action => update`: create the document when it does not exist.").Default(false)
	s.String(&o.DataStream, "data_stream", "Write to data streams: `true`, `false`, or `auto` (on in ECS mode against "+
		"Elasticsearch 8+ when no index-related setting is given, as Logstash 8).").Default("auto").Enum("auto", "true", "false")
	s.String(&o.DataStreamType, "data_stream_type", "Data stream type.").Default("logs").Enum("logs", "metrics", "synthetics", "traces")
	s.String(&o.DataStreamDataset, "data_stream_dataset", "Data stream dataset.").Default("generic")
	s.String(&o.DataStreamNamespace, "data_stream_namespace", "Data stream namespace.").Default("default")
	s.Bool(&o.DataStreamAutoRouting, "data_stream_auto_routing", "Let the event's `[data_stream][type]`, `[dataset]` and "+
		"`[namespace]` fields choose the data stream.").Default(true)
	s.Bool(&o.DataStreamSyncFields, "data_stream_sync_fields", "Set the event's `[data_stream]` fields to the stream it is written to.").Default(true)
	s.String(&o.User, "user", "User name for HTTP basic authentication.")
	s.Password(&o.Password, "password", "Password for HTTP basic authentication.")
	if o.flavor == flavorElasticsearch {
		s.Password(&o.APIKey, "api_key", "API key as `id:api_key` (as Elasticsearch returns them); sent as `Authorization: ApiKey`. Needs TLS.")
	}
	s.String(&o.Path, "path", "Path prefix of the HTTP API (behind a reverse proxy), used when a host URL has no path.")
	s.Hash(&o.CustomHeaders, "custom_headers", "Extra HTTP headers sent with every request.").Default(plugin.Hash{})
	s.Bool(&o.HTTPCompression, "http_compression", "Gzip request bodies (saves bandwidth at some CPU cost).").Default(false)
	s.Seconds(&o.Timeout, "timeout", "Timeout of one HTTP request, in seconds.").Default(60 * time.Second)
	s.Seconds(&o.RetryInitialInterval, "retry_initial_interval", "First wait before retrying failed items, in seconds; it doubles at each retry.").Default(2 * time.Second)
	s.Seconds(&o.RetryMaxInterval, "retry_max_interval", "Longest wait between retries, in seconds.").Default(64 * time.Second)
	s.String(&o.HealthcheckPath, "healthcheck_path", "Path checked (GET) to bring a dead host back.").Default("/")
	s.Seconds(&o.ResurrectDelay, "resurrect_delay", "How often a dead host is checked, in seconds.").Default(5 * time.Second)
	s.Bytes(&o.TargetBulkBytes, "target_bulk_bytes", "Largest bulk request body before a batch is split (Sluice addition; Logstash's fixed value).").Default(int64(20 << 20))
	s.Bool(&o.ManageTemplate, "manage_template", "Install an index template at start (the default one, or `template`).").Default(true)
	s.Path(&o.Template, "template", "Path to a JSON index template to install instead of the default one.")
	s.String(&o.TemplateName, "template_name", "Name of the installed template. Default: `logstash`, `ecs-logstash` in ECS mode.")
	s.Bool(&o.TemplateOverwrite, "template_overwrite", "Replace an existing template of the same name.").Default(false)
	if o.flavor == flavorElasticsearch {
		s.String(&o.TemplateAPI, "template_api", "Template API: `composable` (`_index_template`), `legacy` (`_template`), "+
			"or `auto` (composable on Elasticsearch 8 and OpenSearch, legacy before).").Default("auto").Enum("auto", "legacy", "composable")
		s.Bool(&o.SSLEnabled, "ssl_enabled", "Use HTTPS (also implied by `https://` hosts).").Default(false)
		s.Strings(&o.SSLCertificateAuths, "ssl_certificate_authorities", "PEM files with the certificate authorities that sign the server's certificate (the system's roots when empty).").Default([]string{})
		s.String(&o.SSLVerificationMode, "ssl_verification_mode", "Check of the server certificate: `full` (chain and host name), "+
			"`certificate` (chain only) or `none` (insecure).").Default("full").Enum("full", "certificate", "none")
	} else {
		s.Bool(&o.LegacyTemplate, "legacy_template", "Install the template with the legacy `_template` API (false: `_index_template`).").Default(true)
		s.Bool(&o.SSLEnabled, "ssl", "Use HTTPS (also implied by `https://` hosts).").Default(false)
		s.Path(&o.CACert, "cacert", "PEM file with the certificate authority that signs the server's certificate (the system's roots when empty).")
		s.Bool(&o.SSLCertVerification, "ssl_certificate_verification", "Verify the server certificate (false is insecure).").Default(true)
	}
	s.Path(&o.SSLCertificate, "ssl_certificate", "PEM client certificate, for clusters that require one.")
	s.Path(&o.SSLKey, "ssl_key", "PEM private key of `ssl_certificate`.")
	s.Strings(&o.SSLSupportedProtocols, "ssl_supported_protocols", "Allowed TLS versions among `TLSv1.1`, `TLSv1.2`, `TLSv1.3`; empty means 1.2 and 1.3.").Default([]string{})
}

func (o *Output) isSet(name string) bool {
	if o.settingsRef == nil {
		return false
	}
	st, ok := o.settingsRef.Lookup(name)
	return ok && st.Set
}

// Init checks the settings and prepares the HTTP client.
func (o *Output) Init(ctx *plugin.Context) error {
	o.pctx = ctx
	o.log = ctx.Logger
	if o.log == nil {
		o.log = slog.Default()
	}
	if len(o.Hosts) == 0 {
		return errors.New("hosts: at least one host is needed")
	}
	if o.RetryInitialInterval <= 0 {
		o.RetryInitialInterval = time.Second
	}
	if o.RetryMaxInterval < o.RetryInitialInterval {
		o.RetryMaxInterval = o.RetryInitialInterval
	}
	if o.TargetBulkBytes < 1024 {
		return fmt.Errorf("target_bulk_bytes: %d is too small (at least 1024)", o.TargetBulkBytes)
	}
	if o.Index == "" {
		o.Index = "logstash-%{+yyyy.MM.dd}"
		if ctx.ECS() {
			o.Index = "ecs-logstash-%{+yyyy.MM.dd}"
		}
	}
	if o.TemplateName == "" {
		o.TemplateName = "logstash"
		if ctx.ECS() {
			o.TemplateName = "ecs-logstash"
		}
	}
	var err error
	for _, t := range []struct {
		name string
		src  string
		dst  **event.Template
	}{{"index", o.Index, &o.indexTpl}, {"document_id", o.DocumentID, &o.idTpl}, {"routing", o.Routing, &o.routingTpl},
		{"pipeline", o.Pipeline, &o.pipeTpl}, {"action", o.Action, &o.actionTpl}} {
		if t.src == "" {
			continue
		}
		if *t.dst, err = event.ParseTemplate(t.src); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if o.actionTpl != nil && o.actionTpl.IsStatic() {
		switch o.Action {
		case "index", "create":
		case "update", "delete":
			if o.idTpl == nil {
				return fmt.Errorf("action %q needs document_id", o.Action)
			}
		default:
			return fmt.Errorf("action: %q is not one of index, create, update, delete", o.Action)
		}
	}
	if o.DataStream == "true" {
		if o.Action != "" && o.Action != "create" {
			return fmt.Errorf("data_stream: data streams only accept action create, not %q", o.Action)
		}
		for _, n := range []string{"index", "document_id", "routing"} {
			if o.isSet(n) {
				o.log.Warn("setting ignored with data_stream => true", "setting", n)
			}
		}
	}
	for _, v := range []struct{ name, val string }{{"data_stream_dataset", o.DataStreamDataset}, {"data_stream_namespace", o.DataStreamNamespace}} {
		if v.val == "" || strings.ContainsAny(v.val, `\/*?"<>| ,#:-`) || strings.ToLower(v.val) != v.val {
			return fmt.Errorf("%s: %q must be lower case without spaces, dashes or any of \\/*?\"<>|,#:", v.name, v.val)
		}
	}
	if o.Template != "" {
		b, err := os.ReadFile(o.Template)
		if err != nil {
			return fmt.Errorf("template: %w", err)
		}
		if !jsonObject(b) {
			return fmt.Errorf("template: %s does not hold a JSON object", o.Template)
		}
		o.templateJS = b
	}
	tlsOpts := &netutil.TLSOptions{
		Certificate:            o.SSLCertificate,
		Key:                    o.SSLKey,
		CertificateAuthorities: o.SSLCertificateAuths,
		VerificationMode:       o.SSLVerificationMode,
		SupportedProtocols:     o.SSLSupportedProtocols,
	}
	if o.flavor == flavorOpenSearch {
		if o.CACert != "" {
			tlsOpts.CertificateAuthorities = []string{o.CACert}
		}
		tlsOpts.VerificationMode = "full"
		if !o.SSLCertVerification {
			tlsOpts.VerificationMode = "none"
		}
	}
	hosts := make([]*url.URL, 0, len(o.Hosts))
	for _, h := range o.Hosts {
		u, err := parseHost(h, o.SSLEnabled, o.Path)
		if err != nil {
			return fmt.Errorf("hosts: %w", err)
		}
		hosts = append(hosts, u)
	}
	if o.APIKey != "" && o.User != "" {
		return errors.New("api_key and user/password cannot both be set")
	}
	if o.User != "" && o.Password == "" || o.User == "" && o.Password != "" {
		return errors.New("user and password go together")
	}
	c, err := newClient(o, hosts, tlsOpts)
	if err != nil {
		return err
	}
	o.client = c
	o.pool = c.pool
	return nil
}

// parseHost turns a Logstash host (`es:9200`, `https://es`, `//es:9200`)
// into a base URL.
func parseHost(h string, ssl bool, path string) (*url.URL, error) {
	s := strings.TrimSpace(h)
	if s == "" {
		return nil, errors.New("empty host")
	}
	if strings.HasPrefix(s, "//") {
		s = s[2:]
	}
	if !strings.Contains(s, "://") {
		scheme := "http"
		if ssl {
			scheme = "https"
		}
		s = scheme + "://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", h, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", h)
	}
	if ssl && u.Scheme == "http" {
		return nil, fmt.Errorf("%q: ssl is enabled but the host says http://", h)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host name", h)
	}
	if u.Port() == "" {
		u.Host += ":9200"
	}
	if (u.Path == "" || u.Path == "/") && path != "" {
		u.Path = "/" + strings.Trim(path, "/")
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// Close releases idle connections.
func (o *Output) Close() error {
	if o.client != nil {
		o.client.close()
		st := &o.stats
		o.log.Info("elasticsearch output closed", "indexed", st.Indexed.Load(), "conflicts", st.Conflicts.Load(),
			"dead_lettered", st.DeadLettered.Load(), "dropped", st.Dropped.Load(), "retried", st.Retried.Load(),
			"requests", st.Requests.Load())
	}
	return nil
}

// Stats returns the outcome counters.
func (o *Output) Stats() *Stats { return &o.stats }

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait before retry number n (0-based): the initial interval
// doubling up to the maximum.
func backoff(initial, max time.Duration, n int) time.Duration {
	d := initial
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}
