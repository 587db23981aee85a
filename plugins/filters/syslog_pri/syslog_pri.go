// Package syslog_pri is the syslog_pri filter: splits a syslog PRI value
// into facility and severity.
package syslog_pri

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "syslog_pri",
		Summary: "Splits a syslog priority (PRI) into facility and severity codes and names.",
		Description: `Reads the syslog priority number from ` + "`syslog_pri_field_name`" + ` and adds the facility
(priority / 8) and severity (priority % 8) codes and, with ` + "`use_labels`" + `, their names
looked up in ` + "`facility_labels`" + ` and ` + "`severity_labels`" + ` (a code with no label gets no
name). When the field is missing the priority is 13 (user-level, notice), as RFC 3164
says and as Logstash does. The value may be an integer, a float with no fraction, a
string of digits, or an array (its first element is used).

Field names, by ECS mode:

| | ` + "`ecs_compatibility => disabled`" + ` | ECS (v1, v8) |
|---|---|---|
| priority (read) | ` + "`syslog_pri`" + ` | ` + "`[log][syslog][priority]`" + ` |
| facility code | ` + "`syslog_facility_code`" + ` | ` + "`[log][syslog][facility][code]`" + ` |
| facility name | ` + "`syslog_facility`" + ` | ` + "`[log][syslog][facility][name]`" + ` |
| severity code | ` + "`syslog_severity_code`" + ` | ` + "`[log][syslog][severity][code]`" + ` |
| severity name | ` + "`syslog_severity`" + ` | ` + "`[log][syslog][severity][name]`" + ` |

Difference from Logstash: a value that is not a non-negative integer (` + "`\"abc\"`" + `, ` + "`-1`" + `,
` + "`1.5`" + `) is not read as 0 (kernel, emergency) the way Ruby's ` + "`to_i`" + ` would: the event is
tagged ` + "`_syslogpriparsefailure`" + `, no fields are added and the filter counts as not matched.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the syslog_pri filter.
type Filter struct {
	PriField       event.Ref
	UseLabels      bool
	FacilityLabels []string
	SeverityLabels []string

	facilityCode, facilityName event.Ref
	severityCode, severityName event.Ref
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.PriField, "syslog_pri_field_name",
		"Field holding the priority number. Defaults to `syslog_pri`, or `[log][syslog][priority]` in ECS mode.").
		Example(`"[syslog][pri]"`)
	s.Bool(&f.UseLabels, "use_labels", "Add the facility and severity names as well as their codes.").Default(true)
	s.Strings(&f.FacilityLabels, "facility_labels",
		"Facility names, indexed by facility code (0 to 23).").
		Default([]string{"kernel", "user-level", "mail", "daemon", "security/authorization", "syslogd",
			"line printer", "network news", "uucp", "clock", "security/authorization", "ftp", "ntp",
			"log audit", "log alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5",
			"local6", "local7"})
	s.Strings(&f.SeverityLabels, "severity_labels", "Severity names, indexed by severity code (0 to 7).").
		Default([]string{"emergency", "alert", "critical", "error", "warning", "notice", "informational", "debug"})
}

// Init picks the field names for the ECS mode.
func (f *Filter) Init(ctx *plugin.Context) error {
	if ctx.ECS() {
		if f.PriField.IsZero() {
			f.PriField = event.MustRef("[log][syslog][priority]")
		}
		f.facilityCode = event.MustRef("[log][syslog][facility][code]")
		f.facilityName = event.MustRef("[log][syslog][facility][name]")
		f.severityCode = event.MustRef("[log][syslog][severity][code]")
		f.severityName = event.MustRef("[log][syslog][severity][name]")
		return nil
	}
	if f.PriField.IsZero() {
		f.PriField = event.MustRef("syslog_pri")
	}
	f.facilityCode = event.MustRef("syslog_facility_code")
	f.facilityName = event.MustRef("syslog_facility")
	f.severityCode = event.MustRef("syslog_severity_code")
	f.severityName = event.MustRef("syslog_severity")
	return nil
}

// defaultPriority is user-level notice, RFC 3164's default.
const defaultPriority = 13

// maxPriority bounds the accepted priority (far above RFC's 191, so that
// odd senders still decode; labels only exist for the RFC codes).
const maxPriority = 1 << 20

// Filter adds the facility and severity; it returns false when the
// priority is not a number.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	pri := int64(defaultPriority)
	if v, ok := e.Get(f.PriField); ok {
		var err error
		if pri, err = priority(v); err != nil {
			e.AddTag("_syslogpriparsefailure")
			return false
		}
	}
	fac, sev := pri>>3, pri&7
	if err := e.Set(f.facilityCode, fac); err != nil {
		e.AddTag("_syslogpriparsefailure")
		return false
	}
	if err := e.Set(f.severityCode, sev); err != nil {
		e.AddTag("_syslogpriparsefailure")
		return false
	}
	if f.UseLabels {
		if fac < int64(len(f.FacilityLabels)) {
			_ = e.Set(f.facilityName, f.FacilityLabels[fac])
		}
		if sev < int64(len(f.SeverityLabels)) {
			_ = e.Set(f.severityName, f.SeverityLabels[sev])
		}
	}
	return true
}

func priority(v any) (int64, error) {
	if a, ok := v.([]any); ok {
		if len(a) == 0 {
			return defaultPriority, nil
		}
		v = a[0]
	}
	var n int64
	switch x := v.(type) {
	case nil:
		return defaultPriority, nil
	case int64:
		n = x
	case float64:
		if x != float64(int64(x)) {
			return 0, fmt.Errorf("priority %v is not an integer", x)
		}
		n = int64(x)
	case string:
		s := strings.TrimSpace(x)
		s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
		var err error
		if n, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, fmt.Errorf("priority %q is not a number", x)
		}
	default:
		return 0, fmt.Errorf("priority is %s, not a number", event.TypeName(v))
	}
	if n < 0 || n > maxPriority {
		return 0, fmt.Errorf("priority %d out of range", n)
	}
	return n, nil
}
