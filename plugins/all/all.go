// Package all registers every plugin that ships with Sluice.
package all

import (
	// Codecs.
	_ "github.com/sluicelog/sluice/plugins/codecs/dots"
	_ "github.com/sluicelog/sluice/plugins/codecs/json"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	_ "github.com/sluicelog/sluice/plugins/codecs/multiline"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
	_ "github.com/sluicelog/sluice/plugins/codecs/rubydebug"

	// Inputs.
	_ "github.com/sluicelog/sluice/plugins/inputs/beats"
	_ "github.com/sluicelog/sluice/plugins/inputs/dead_letter_queue"
	_ "github.com/sluicelog/sluice/plugins/inputs/file"
	_ "github.com/sluicelog/sluice/plugins/inputs/gelf"
	_ "github.com/sluicelog/sluice/plugins/inputs/generator"
	_ "github.com/sluicelog/sluice/plugins/inputs/http"
	_ "github.com/sluicelog/sluice/plugins/inputs/pipeline"
	_ "github.com/sluicelog/sluice/plugins/inputs/stdin"
	_ "github.com/sluicelog/sluice/plugins/inputs/syslog"
	_ "github.com/sluicelog/sluice/plugins/inputs/tcp"
	_ "github.com/sluicelog/sluice/plugins/inputs/udp"

	// Filters.
	_ "github.com/sluicelog/sluice/plugins/filters/aggregate"
	_ "github.com/sluicelog/sluice/plugins/filters/cidr"
	_ "github.com/sluicelog/sluice/plugins/filters/clone"
	_ "github.com/sluicelog/sluice/plugins/filters/csv"
	_ "github.com/sluicelog/sluice/plugins/filters/date"
	_ "github.com/sluicelog/sluice/plugins/filters/de_dot"
	_ "github.com/sluicelog/sluice/plugins/filters/dissect"
	_ "github.com/sluicelog/sluice/plugins/filters/drop"
	_ "github.com/sluicelog/sluice/plugins/filters/elapsed"
	_ "github.com/sluicelog/sluice/plugins/filters/fingerprint"
	_ "github.com/sluicelog/sluice/plugins/filters/geoip"
	_ "github.com/sluicelog/sluice/plugins/filters/grok"
	_ "github.com/sluicelog/sluice/plugins/filters/json"
	_ "github.com/sluicelog/sluice/plugins/filters/json_encode"
	_ "github.com/sluicelog/sluice/plugins/filters/kv"
	_ "github.com/sluicelog/sluice/plugins/filters/mutate"
	_ "github.com/sluicelog/sluice/plugins/filters/prune"
	_ "github.com/sluicelog/sluice/plugins/filters/script"
	_ "github.com/sluicelog/sluice/plugins/filters/split"
	_ "github.com/sluicelog/sluice/plugins/filters/syslog_pri"
	_ "github.com/sluicelog/sluice/plugins/filters/throttle"
	_ "github.com/sluicelog/sluice/plugins/filters/translate"
	_ "github.com/sluicelog/sluice/plugins/filters/truncate"
	_ "github.com/sluicelog/sluice/plugins/filters/urldecode"
	_ "github.com/sluicelog/sluice/plugins/filters/useragent"
	_ "github.com/sluicelog/sluice/plugins/filters/uuid"
	_ "github.com/sluicelog/sluice/plugins/filters/xml"

	// Outputs.
	_ "github.com/sluicelog/sluice/plugins/outputs/elasticsearch"
	_ "github.com/sluicelog/sluice/plugins/outputs/file"
	_ "github.com/sluicelog/sluice/plugins/outputs/http"
	_ "github.com/sluicelog/sluice/plugins/outputs/lumberjack"
	_ "github.com/sluicelog/sluice/plugins/outputs/null"
	_ "github.com/sluicelog/sluice/plugins/outputs/pipeline"
	_ "github.com/sluicelog/sluice/plugins/outputs/stdout"
)
