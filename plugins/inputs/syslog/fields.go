package syslog

import (
	"strconv"

	"github.com/sluicelog/sluice/event"
)

// Tags the input adds, as Logstash's syslog input does.
const (
	// FailureTag marks an event whose text is not syslog.
	FailureTag = "_grokparsefailure_sysloginput"
	// DateFailureTag marks an event whose syslog timestamp names no valid
	// date (e.g. "Feb 30 10:00:00"); @timestamp is then the arrival time.
	DateFailureTag = "_dateparsefailure"
	// TooLongTag marks an event cut at max_event_size.
	TooLongTag = "_messagetoolong"
)

// fieldNames are where parsed values go, per ECS mode.
type fieldNames struct {
	ecs                                bool
	priority, facility, severity       event.Ref
	facilityLabel, severityLabel       event.Ref
	hostname, program, pid, procID     event.Ref
	msgID, structuredData, version     event.Ref
	timestamp, timestamp8601, senderIP event.Ref
	original, serviceType, message     event.Ref
	syslogField                        event.Ref
	useLabels                          bool
	serviceTypeValue                   any
	// Values boxed once, not per event.
	boxedPriorities                      [192]any
	boxedFacilities, boxedSeverities     [24]any
	boxedFacilityLbl, boxedSeverityLbl   [24]any
	haveFacilityLabel, haveSeverityLabel [24]bool
}

func newFieldNames(ecs bool, syslogField event.Ref, facilityLabels, severityLabels []string, useLabels bool, serviceType string) *fieldNames {
	f := &fieldNames{ecs: ecs, syslogField: syslogField, useLabels: useLabels, message: event.MustRef("message")}
	if ecs {
		f.priority = event.MustRef("[log][syslog][priority]")
		f.facility = event.MustRef("[log][syslog][facility][code]")
		f.severity = event.MustRef("[log][syslog][severity][code]")
		f.facilityLabel = event.MustRef("[log][syslog][facility][name]")
		f.severityLabel = event.MustRef("[log][syslog][severity][name]")
		f.hostname = event.MustRef("[host][hostname]")
		f.program = event.MustRef("[process][name]")
		f.pid = event.MustRef("[process][pid]")
		f.procID = event.MustRef("[log][syslog][procid]")
		f.msgID = event.MustRef("[log][syslog][msgid]")
		f.structuredData = event.MustRef("[log][syslog][structured_data]")
		f.version = event.MustRef("[log][syslog][version]")
		f.senderIP = event.MustRef("[host][ip]")
		f.original = event.MustRef("[event][original]")
		f.serviceType = event.MustRef("[service][type]")
		if serviceType != "" {
			f.serviceTypeValue = serviceType
		}
	} else {
		f.priority = event.MustRef("priority")
		f.facility = event.MustRef("facility")
		f.severity = event.MustRef("severity")
		f.facilityLabel = event.MustRef("facility_label")
		f.severityLabel = event.MustRef("severity_label")
		f.hostname = event.MustRef("logsource")
		f.program = event.MustRef("program")
		f.pid = event.MustRef("pid")
		f.msgID = event.MustRef("msgid")
		f.structuredData = event.MustRef("structured_data")
		f.timestamp = event.MustRef("timestamp")
		f.timestamp8601 = event.MustRef("timestamp8601")
		f.senderIP = event.MustRef("host")
	}
	for i := range f.boxedPriorities {
		f.boxedPriorities[i] = int64(i)
	}
	for i := range f.boxedFacilities {
		f.boxedFacilities[i] = int64(i)
		if i < len(facilityLabels) {
			f.boxedFacilityLbl[i], f.haveFacilityLabel[i] = facilityLabels[i], true
		}
	}
	for i := range 8 {
		f.boxedSeverities[i] = int64(i)
		if i < len(severityLabels) {
			f.boxedSeverityLbl[i], f.haveSeverityLabel[i] = severityLabels[i], true
		}
	}
	return f
}

// apply parses the event's syslog field and sets the fields Logstash's
// syslog input sets. senderIP is the sender's address (boxed string).
func (f *fieldNames) apply(p *Parser, e *event.Event, senderIP any) {
	set(e, f.senderIP, senderIP)
	raw, _ := e.Get(f.syslogField)
	line, isString := raw.(string)
	if f.ecs {
		if isString {
			set(e, f.original, line)
		}
		if f.serviceTypeValue != nil {
			if _, ok := e.Get(f.serviceType); !ok {
				set(e, f.serviceType, f.serviceTypeValue)
			}
		}
	}
	var m Message
	ok := false
	if isString {
		m, ok = p.Parse(line)
	}
	if !ok {
		e.AddTag(FailureTag)
		f.setPriority(e, DefaultPriority)
		return
	}
	f.setPriority(e, m.Priority)
	if m.Timestamp != "" {
		if !f.ecs {
			set(e, f.timestamp, m.Timestamp)
			if m.ISO && m.Format == Format3164 {
				set(e, f.timestamp8601, m.Timestamp)
			}
		}
		if m.BadTime {
			e.AddTag(DateFailureTag)
		} else {
			e.SetTimestamp(m.Time)
		}
	}
	if m.Hostname != "" {
		set(e, f.hostname, m.Hostname)
	}
	if m.AppName != "" {
		set(e, f.program, m.AppName)
	}
	if m.ProcID != "" {
		if !f.ecs {
			set(e, f.pid, m.ProcID)
		} else {
			if n, err := strconv.ParseInt(m.ProcID, 10, 64); err == nil {
				set(e, f.pid, n)
			}
			if m.Format == Format5424 || !allDigits(m.ProcID) {
				set(e, f.procID, m.ProcID)
			}
		}
	}
	if m.Format == Format5424 {
		if m.MsgID != "" {
			set(e, f.msgID, m.MsgID)
		}
		if m.StructuredData != nil {
			set(e, f.structuredData, m.StructuredData)
		}
		if f.ecs {
			set(e, f.version, strconv.Itoa(m.Version))
		}
	}
	set(e, f.message, m.Msg)
}

// setPriority sets priority, facility, severity and their labels.
func (f *fieldNames) setPriority(e *event.Event, pri int) {
	fac, sev := pri>>3, pri&7
	set(e, f.priority, f.boxedPriorities[pri])
	set(e, f.facility, f.boxedFacilities[fac])
	set(e, f.severity, f.boxedSeverities[sev])
	if !f.useLabels {
		return
	}
	if f.haveFacilityLabel[fac] {
		set(e, f.facilityLabel, f.boxedFacilityLbl[fac])
	}
	if f.haveSeverityLabel[sev] {
		set(e, f.severityLabel, f.boxedSeverityLbl[sev])
	}
}

func set(e *event.Event, r event.Ref, v any) {
	// Set fails only when a parent holds a scalar (a codec made `log` a
	// string): the event keeps its own value then.
	_ = e.Set(r, v)
}
