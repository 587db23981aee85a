package plugin

import "strings"

// Logstash plugins Sluice does not have (yet), so that a configuration
// using one gets "not available in Sluice yet" rather than a guess at a
// misspelling. A name here that Sluice registers is simply found first.
var logstashPlugins = map[Kind]string{
	KindInput: "azure_event_hubs beats cloudwatch couchdb_changes dead_letter_queue elastic_agent " +
		"elastic_serverless_forwarder elasticsearch exec file ganglia gelf generator github google_cloud_storage " +
		"google_pubsub graphite heartbeat http http_poller imap irc java_generator java_stdin jdbc jms jmx kafka " +
		"kinesis log4j lumberjack meetup pipe pipeline puppet_facter rabbitmq redis relp rss s3 s3-sns-sqs salesforce " +
		"snmp snmptrap sqlite sqs stdin stomp syslog tcp twitter udp unix varnishlog websocket wmi xmpp",
	KindFilter: "age aggregate alter bytes checksum cidr cipher clone csv date de_dot dissect dns drop elapsed " +
		"elastic_integration elasticsearch environment extractnumbers fingerprint geoip grok http i18n java_uuid jdbc_static " +
		"jdbc_streaming json json_encode kv memcached metricize metrics mutate prune range ruby sleep split " +
		"syslog_pri threats_classifier throttle tld translate truncate urldecode useragent uuid wurfl_device_detection xml",
	KindOutput: "boundary circonus cloudwatch csv datadog datadog_metrics dynatrace elastic_app_search " +
		"elastic_workplace_search elasticsearch email exec file ganglia gelf google_bigquery google_cloud_storage " +
		"google_pubsub graphite graphtastic http influxdb irc java_stdout juggernaut kafka librato loggly lumberjack " +
		"metriccatcher mongodb nagios nagios_nsca null opensearch opentsdb pagerduty pipe pipeline rabbitmq redis " +
		"redmine riak riemann s3 sink sns solr_http sqs statsd stdout stomp syslog tcp timber udp webhdfs websocket " +
		"xmpp zabbix",
	KindCodec: "avro cef cloudfront cloudtrail collectd csv dots edn edn_lines es_bulk fluent graphite gzip_lines " +
		"java_line java_plain jdots json json_lines line msgpack multiline netflow nmap plain protobuf rubydebug",
}

// notAvailable returns advice for a Logstash plugin Sluice lacks, or "".
func notAvailable(kind Kind, name string) string {
	if kind == KindFilter && name == "ruby" {
		return "the ruby filter cannot run in Sluice (there is no Ruby runtime). Port the code to the script " +
			"filter: Starlark, a Python dialect, with the same event API, so it translates line by line, e.g. " +
			"ruby { code => \"event.tag('slow') if event.get('ms') > 500\" } becomes " +
			"script { code => \"if event.get('ms') > 500: event.tag('slow')\" } (see docs/scripting.md); " +
			"mutate, dissect, kv, json or translate may also do the job without a script"
	}
	for _, n := range strings.Fields(logstashPlugins[kind]) {
		if n == name {
			return "Logstash's " + name + " " + kind.String() + " is not available in Sluice yet"
		}
	}
	return ""
}
