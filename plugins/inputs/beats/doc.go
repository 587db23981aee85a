package beats

const description = "A Lumberjack (protocol v2, and v1 data frames) server: the protocol of Filebeat's and the other " +
	"Beats' Logstash output, of logstash-forwarder's successors and of python-logstash-async's `BeatsTransport`. " +
	"Point them at Sluice as they would point at Logstash.\n\n" +
	"Filebeat (`filebeat.yml`):\n\n" +
	"```yaml\n" +
	"output.logstash:\n" +
	"  hosts: [\"sluice-host:5044\"]\n" +
	"  # With `ssl_enabled => true` here:\n" +
	"  # ssl.certificate_authorities: [\"/etc/pki/ca.pem\"]\n" +
	"```\n\n" +
	"Python with python-logstash-async:\n\n" +
	"```python\n" +
	"import logging\n" +
	"from logstash_async.handler import AsynchronousLogstashHandler\n\n" +
	"handler = AsynchronousLogstashHandler(\n" +
	"    \"sluice-host\", 5044,\n" +
	"    transport=\"logstash_async.transport.BeatsTransport\",\n" +
	"    database_path=\"logstash-buffer.db\",  # events wait here until acknowledged\n" +
	")\n" +
	"logging.getLogger().addHandler(handler)\n" +
	"```\n\n" +
	"### Acknowledgements: what \"received\" means\n\n" +
	"A Beats client sends a *window* of events and waits for an acknowledgement (ACK) before it forgets them. " +
	"Sluice sends the ACK of a window only once every event of it was accepted by the pipeline's queue. If " +
	"the connection breaks, Sluice stops or the pipeline refuses the events before that, no ACK is sent and " +
	"the client sends the whole window again (possibly to another server): an event a client was told was " +
	"received is never lost by this input, and an event may arrive twice after a failure (at-least-once): " +
	"events are passed on as they are decoded, so part of a window cut off by a broken connection may " +
	"already be in the pipeline when the client sends that window again. " +
	"Accepted into the in-memory queue is the point of no return today; with a persistent queue it will be " +
	"once the events are written to disk.\n\n" +
	"While the pipeline is full, the connection's window waits: Sluice stops reading that connection (the " +
	"client's TCP window fills up and it slows down) and sends an empty ACK (sequence 0) every 5 seconds, " +
	"as Logstash does, so that the client's own timeout (Filebeat's `timeout`, 30 s) does not expire " +
	"and make it reconnect and resend. Memory stays bounded whatever the window size: events are " +
	"passed to the queue in batches of at most 128 events (4 MiB) as they are decoded, and the window is " +
	"acknowledged after the last batch.\n\n" +
	"When the pipeline stops or is reloaded, the input stops gracefully so that clients do not resend what " +
	"was already taken: it stops accepting connections, closes the connections that are between two windows, " +
	"lets each connection that is inside a window receive the rest of it, pass it to the pipeline and send " +
	"its ACK, and then closes it (a window that starts after that is not read). A window still waiting after " +
	"10 seconds (a pipeline that cannot take events) is not acknowledged, and its connection is closed.\n\n" +
	"### Events\n\n" +
	"The JSON document a Beat sends becomes the event: its fields as they are (`agent`, `host`, `log`, " +
	"`ecs`, ... pass through; Beats 7+ send `host` as an object), `@timestamp` from the document, and the " +
	"document's `@metadata` (`[@metadata][beat]`, `[@metadata][type]`, `[@metadata][version]`, " +
	"`[@metadata][pipeline]`, ...) as the event's metadata, so that " +
	"`index => \"%{[@metadata][beat]}-%{[@metadata][version]}\"` works as with Logstash.\n\n" +
	"As in Logstash, the `message` field (logstash-forwarder's `line`) is decoded with the `codec` (`plain` by " +
	"default, which keeps it as `message`; with ECS compatibility on, `plain` also copies it to " +
	"`[event][original]` unless the document has one) and the other fields of the document are merged into " +
	"the decoded event (the document's values win; objects on both sides are merged one level deep). " +
	"A document without `message` is taken as it is. The default codec follows this input's " +
	"`ecs_compatibility`; `multiline` makes no sense here: join lines in Filebeat.\n\n" +
	"`enrich` chooses the metadata added; its fields depend on `ecs_compatibility`:\n\n" +
	"| `enrich` | ECS `v1`, `v8` | ECS `disabled` | value |\n" +
	"|---|---|---|---|\n" +
	"| `source_metadata` | `[@metadata][input][beats][host][ip]` | `[@metadata][ip_address]` | the client's IP address |\n" +
	"| `codec_metadata` | `tags` | `tags` | `beats_input_codec_<codec>_applied` when the codec ran on `message`, `beats_input_raw_event` when the document had no `message` |\n" +
	"| `ssl_peer_metadata` | `[@metadata][tls_peer][status]` | `[@metadata][tls_peer][status]` | `verified` when the client presented a valid certificate, else `unverified` |\n" +
	"| `ssl_peer_metadata` | `[@metadata][input][beats][tls][version_protocol]` | `[@metadata][tls_peer][protocol]` | e.g. `TLSv1.3` (verified clients) |\n" +
	"| `ssl_peer_metadata` | `[@metadata][input][beats][tls][client][subject]` | `[@metadata][tls_peer][subject]` | the client certificate's subject, e.g. `CN=filebeat-1,O=Example` |\n" +
	"| `ssl_peer_metadata` | `[@metadata][input][beats][tls][cipher]` | `[@metadata][tls_peer][cipher_suite]` | e.g. `TLS_AES_128_GCM_SHA256` |\n\n" +
	"The default is `[codec_metadata, source_metadata]`. `add_hostname` (deprecated) copies the Beat's host " +
	"name into `host` (ECS: `[@metadata][input][beats][host][name]`) when that is not set.\n\n" +
	"### Limits and bad clients\n\n" +
	"Every length a client sends is checked before anything is allocated for it: a window larger than " +
	"`max_window_size`, an event larger than `max_event_size`, a window whose events (after decompression) " +
	"exceed `max_window_bytes`, a wrong version byte or an unknown frame type each close that connection with " +
	"a log line naming the client; other connections are not disturbed. Compressed frames are inflated as they " +
	"are read, never held whole. A client that sends nothing for `client_inactivity_timeout` seconds is " +
	"disconnected (a connection waiting for the pipeline is not read, so it does not time out).\n\n" +
	"### Differences from Logstash\n\n" +
	"- A document that is not a JSON object is kept as the `message` of an event tagged `_jsonparsefailure` " +
	"(and acknowledged) instead of closing the connection, which would make the client resend it forever.\n" +
	"- `add_hostname` also falls back to `[agent][hostname]` (Beats 7+) when `[beat][hostname]` is missing.\n" +
	"- `max_window_size`, `max_event_size`, `max_window_bytes` and `max_connections` are Sluice's; Logstash " +
	"bounds these only by its heap and direct memory.\n" +
	"- `executor_threads` and `event_loop_threads` are accepted and ignored: each connection has its own " +
	"goroutine.\n" +
	"- An unparsable `@timestamp` in a document without `message` is kept in `_@timestamp` with the tag " +
	"`_timestampparsefailure` (as Logstash does); with a `message`, a warning is logged and the time of " +
	"reception is used (as Logstash does).\n" +
	"- `ssl_cipher_suites` applies to TLS 1.2 only (TLS 1.3 suites are not configurable in Go); encrypted " +
	"private keys must use legacy PEM encryption (Logstash wants PKCS#8).\n" +
	"- The obsolete `ssl`, `ssl_verify_mode`, `ssl_peer_metadata`, `cipher_suites`, `tls_min_version` and " +
	"`tls_max_version` are rejected with the setting to use instead, as in Logstash 8."
