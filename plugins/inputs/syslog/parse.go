package syslog

import (
	"strings"
	"time"

	"github.com/sluicelog/sluice/event"
)

// Format is the syslog dialect a message was recognised as.
type Format uint8

const (
	// FormatNone: not syslog (no valid <PRI> at the start).
	FormatNone Format = iota
	// Format3164: BSD syslog, `<PRI>TIMESTAMP HOST TAG: MSG` and the
	// variants senders really use (no host, an ISO-8601 timestamp, no
	// timestamp and host at all as Python's SysLogHandler sends).
	Format3164
	// Format5424: `<PRI>VERSION TIMESTAMP HOST APP PROCID MSGID SD MSG`.
	Format5424
)

// Message is a parsed syslog message. Its strings are substrings of the
// parsed line (no copies).
type Message struct {
	Format   Format
	Priority int
	// Timestamp is the timestamp as written ("" when the message has none
	// or RFC 5424's "-"). ISO reports an ISO-8601 / RFC 3339 timestamp
	// (as opposed to the BSD `Mmm dd hh:mm:ss`).
	Timestamp string
	ISO       bool
	// Time is Timestamp as an instant; zero when there is no timestamp or
	// it names no valid date (BadTime is then true, e.g. "Feb 30").
	Time    time.Time
	BadTime bool
	// Hostname, AppName (RFC 3164's program), ProcID (the pid), MsgID:
	// "" when absent or nil ("-").
	Hostname, AppName, ProcID, MsgID string
	// Version is RFC 5424's protocol version (0 for RFC 3164).
	Version int
	// StructuredData holds RFC 5424's SD-ELEMENTs as
	// {SD-ID: {PARAM-NAME: value}} (a name repeated in one element gives
	// an array of values); nil when there is none.
	StructuredData map[string]any
	// Msg is the free-form message.
	Msg string
}

// Parser parses syslog lines. Its zero value reads timestamps without an
// offset in the machine's local time and takes the year of BSD timestamps
// from the current time.
type Parser struct {
	// Location is the time zone of timestamps that carry no offset (the
	// `timezone` setting); nil means time.Local.
	Location *time.Location
	// Now returns the current time (for the year of BSD timestamps); nil
	// means time.Now.
	Now func() time.Time
}

// DefaultPriority is the priority of messages that carry none (RFC 3164
// section 4.3.3): facility user (1), severity notice (5).
const DefaultPriority = 13

// Parse parses one syslog message. It returns false when line is not
// syslog: it does not start with a valid `<PRI>` (0 to 191). A valid PRI
// followed by text that fits no header is still syslog (RFC 3164's
// "no TIMESTAMP" case): the text becomes Msg.
func (p *Parser) Parse(line string) (Message, bool) {
	var m Message
	pri, rest, ok := parsePRI(line)
	if !ok {
		return m, false
	}
	m.Priority = pri
	rest = trimTrailer(rest)
	if p.parse5424(&m, rest) {
		return m, true
	}
	m = Message{Format: Format3164, Priority: pri}
	p.parse3164(&m, rest)
	return m, true
}

// parsePRI reads `<N>` with N of 1 to 3 digits, at most 191.
func parsePRI(s string) (int, string, bool) {
	if len(s) < 3 || s[0] != '<' {
		return 0, "", false
	}
	n, i := 0, 1
	for ; i < len(s) && i <= 4 && isDigit(s[i]); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 1 || i > 4 || i >= len(s) || s[i] != '>' || n > 191 {
		return 0, "", false
	}
	return n, s[i+1:], true
}

// trimTrailer drops the line terminators some senders leave in the
// message: NUL (Python's SysLogHandler), CR and LF.
func trimTrailer(s string) string {
	for len(s) > 0 {
		switch s[len(s)-1] {
		case 0, '\r', '\n':
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

const bom = "\xef\xbb\xbf"

// parse5424 parses what follows the PRI as RFC 5424's header; it reports
// false (leaving the message for RFC 3164) when the version and timestamp
// do not fit.
func (p *Parser) parse5424(m *Message, s string) bool {
	// VERSION: a non-zero digit and at most two more, then SP.
	i := 0
	for i < len(s) && i < 3 && isDigit(s[i]) {
		i++
	}
	if i == 0 || s[0] == '0' || i >= len(s) || s[i] != ' ' {
		return false
	}
	version := atoi(s[:i])
	s = s[i+1:]
	ts, s := nextToken(s)
	switch {
	case ts == "-":
		ts = ""
	case isoTimestampLen(ts) == len(ts):
		t, ok := p.parseISO(ts)
		m.Time, m.BadTime = t, !ok
	default:
		return false
	}
	m.Format, m.Version, m.Timestamp, m.ISO = Format5424, version, ts, ts != ""
	var host, app, procID, msgID string
	host, s = nextToken(s)
	app, s = nextToken(s)
	procID, s = nextToken(s)
	msgID, s = nextToken(s)
	m.Hostname, m.AppName, m.ProcID, m.MsgID = nilValue(host), nilValue(app), nilValue(procID), nilValue(msgID)
	switch {
	case s == "":
	case s[0] == '-':
		s = s[1:]
		if s != "" && s[0] == ' ' {
			s = s[1:]
		}
	case s[0] == '[':
		sd, rest, ok := parseSD(s)
		if ok {
			m.StructuredData = sd
			s = rest
			if s != "" && s[0] == ' ' {
				s = s[1:]
			}
		}
		// A malformed SD stays in the message: nothing is lost.
	}
	m.Msg = strings.TrimPrefix(s, bom)
	return true
}

// nilValue maps RFC 5424's NILVALUE to "".
func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// nextToken returns the text up to the next space and what follows that
// space.
func nextToken(s string) (tok, rest string) {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// maxSDElements bounds the SD-ELEMENTs of one message, maxSDParams the
// parameters of one element.
const (
	maxSDElements = 128
	maxSDParams   = 256
)

// parseSD parses one or more SD-ELEMENTs: `[ID NAME="VALUE" ...]`, where
// VALUE escapes `"`, `\` and `]` with a backslash.
func parseSD(s string) (map[string]any, string, bool) {
	sd := map[string]any{}
	for n := 0; s != "" && s[0] == '['; n++ {
		if n == maxSDElements {
			return nil, "", false
		}
		s = s[1:]
		i := 0
		for i < len(s) && s[i] != ' ' && s[i] != ']' && s[i] != '=' && s[i] != '"' {
			i++
		}
		if i == 0 || i == len(s) {
			return nil, "", false
		}
		id := s[:i]
		s = s[i:]
		params, _ := sd[id].(map[string]any)
		if params == nil {
			params = map[string]any{}
			sd[id] = params
		}
		for np := 0; ; np++ {
			if np > maxSDParams {
				return nil, "", false
			}
			for s != "" && s[0] == ' ' {
				s = s[1:]
			}
			if s == "" {
				return nil, "", false
			}
			if s[0] == ']' {
				s = s[1:]
				break
			}
			j := 0
			for j < len(s) && s[j] != '=' && s[j] != ' ' && s[j] != ']' && s[j] != '"' {
				j++
			}
			if j == 0 || j+1 >= len(s) || s[j] != '=' || s[j+1] != '"' {
				return nil, "", false
			}
			name := s[:j]
			s = s[j+2:]
			val, rest, ok := sdValue(s)
			if !ok {
				return nil, "", false
			}
			s = rest
			switch old := params[name].(type) {
			case nil:
				params[name] = val
			case []any:
				params[name] = append(old, val)
			default:
				params[name] = []any{old, val}
			}
		}
	}
	return sd, s, true
}

// sdValue reads a PARAM-VALUE up to its closing quote, unescaping.
func sdValue(s string) (string, string, bool) {
	end := -1
	esc := false
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			esc = true
			i++
			continue
		}
		if s[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		return "", "", false
	}
	v := s[:end]
	if esc {
		var b strings.Builder
		b.Grow(len(v))
		for i := 0; i < len(v); i++ {
			// RFC 5424: only \" \\ \] are escapes; a backslash before
			// anything else is kept.
			if v[i] == '\\' && i+1 < len(v) && (v[i+1] == '"' || v[i+1] == '\\' || v[i+1] == ']') {
				i++
			}
			b.WriteByte(v[i])
		}
		v = b.String()
	}
	return v, s[end+1:], true
}

// parse3164 parses what follows the PRI as a BSD syslog header:
//
//	TIMESTAMP [<fac.pri> ]HOST TAG[PID]: MSG   (RFC 3164)
//	TIMESTAMP TAG[PID]: MSG                    (no host)
//	TIMESTAMP HOST MSG                          (no tag)
//	TAG: MSG  or  MSG                           (no timestamp: Python)
//
// TIMESTAMP is `Mmm dd hh:mm:ss[.frac]` or ISO-8601 (rsyslog's forward
// format).
func (p *Parser) parse3164(m *Message, s string) {
	ts, rest, iso, ok := splitTimestamp(s)
	if !ok {
		// No timestamp: an optional ident ("myapp: ", "myapp[12]: ").
		m.Msg = strings.TrimPrefix(s, bom)
		if app, pid, rest, ok := parseTag(s, true); ok {
			m.AppName, m.ProcID, m.Msg = app, pid, rest
		}
		return
	}
	m.Timestamp, m.ISO = ts, iso
	if iso {
		t, ok := p.parseISO(ts)
		m.Time, m.BadTime = t, !ok
	} else {
		t, ok := p.parseBSD(ts)
		m.Time, m.BadTime = t, !ok
	}
	s = rest
	// An optional `<facility.priority> ` (some Cisco and Juniper devices):
	// the PRI already says the same.
	if len(s) > 4 && s[0] == '<' {
		if j := strings.IndexByte(s, '>'); j > 0 && j+1 < len(s) && s[j+1] == ' ' && isFacPri(s[1:j]) {
			s = s[j+2:]
		}
	}
	if app, pid, rest, ok := parseTag(s, false); ok {
		// No host: the first word is the tag.
		m.AppName, m.ProcID, m.Msg = app, pid, rest
		return
	}
	host, rest := nextToken(s)
	m.Hostname = host
	if app, pid, rest2, ok := parseTag(rest, false); ok {
		m.AppName, m.ProcID, m.Msg = app, pid, rest2
		return
	}
	m.Msg = rest
}

func isFacPri(s string) bool {
	dot := strings.IndexByte(s, '.')
	return dot > 0 && dot < len(s)-1 && allDigits(s[:dot]) && allDigits(s[dot+1:])
}

// maxTagLen bounds a tag found where no timestamp precedes it (RFC 3164
// allows 32 characters; some senders use more).
const maxTagLen = 64

// parseTag reads `TAG: ` or `TAG[PID]: ` at the start of s (the colon is
// followed by a space or ends s), and unless strict `TAG[PID] ` too. TAG is printable ASCII without brackets,
// as Logstash's PROG pattern; strict (no timestamp before it) also requires
// it to start with a letter or '_' and to hold only letters, digits and
// `._-/`, so that ordinary text ("1234: ...", "*Mar 1 ...: ") is not taken
// for a tag.
func parseTag(s string, strict bool) (app, pid, rest string, ok bool) {
	tok, rest := nextToken(s)
	switch {
	case len(tok) >= 2 && tok[len(tok)-1] == ':':
		tok = tok[:len(tok)-1]
	case !strict && len(tok) >= 4 && tok[len(tok)-1] == ']':
		// `TAG[PID]` without a colon: rsyslog's forward format writes
		// RFC 5424 messages' tags so.
	default:
		return "", "", "", false
	}
	if tok[len(tok)-1] == ']' {
		open := strings.IndexByte(tok, '[')
		if open <= 0 || !allDigits(tok[open+1:len(tok)-1]) || open+1 == len(tok)-1 {
			return "", "", "", false
		}
		pid = tok[open+1 : len(tok)-1]
		tok = tok[:open]
	}
	if strict && len(tok) > maxTagLen {
		return "", "", "", false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if strict {
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
			if !letter && (i == 0 || !isDigit(c) && c != '.' && c != '-' && c != '/') {
				return "", "", "", false
			}
		} else if c < 0x21 || c > 0x7e || c == '[' || c == ']' {
			return "", "", "", false
		}
	}
	return tok, pid, rest, true
}

// splitTimestamp finds a BSD or ISO-8601 timestamp at the start of s,
// followed by a space (or the end of s).
func splitTimestamp(s string) (ts, rest string, iso, ok bool) {
	if n := bsdTimestampLen(s); n > 0 {
		return s[:n], afterSpace(s[n:]), false, true
	}
	if n := isoTimestampLen(s); n > 0 {
		return s[:n], afterSpace(s[n:]), true, true
	}
	return "", "", false, false
}

func afterSpace(s string) string {
	if s != "" && s[0] == ' ' {
		return s[1:]
	}
	return s
}

var monthFull = [12]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

// monthKey packs three lower-case letters.
func monthKey(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }

// bsdMonth reads a month name (three letters or the full name, any case)
// and returns the month and the name's length.
func bsdMonth(s string) (time.Month, int) {
	if len(s) < 3 {
		return 0, 0
	}
	var month time.Month
	switch monthKey(lower(s[0]), lower(s[1]), lower(s[2])) {
	case monthKey('j', 'a', 'n'):
		month = time.January
	case monthKey('f', 'e', 'b'):
		month = time.February
	case monthKey('m', 'a', 'r'):
		month = time.March
	case monthKey('a', 'p', 'r'):
		month = time.April
	case monthKey('m', 'a', 'y'):
		month = time.May
	case monthKey('j', 'u', 'n'):
		month = time.June
	case monthKey('j', 'u', 'l'):
		month = time.July
	case monthKey('a', 'u', 'g'):
		month = time.August
	case monthKey('s', 'e', 'p'):
		month = time.September
	case monthKey('o', 'c', 't'):
		month = time.October
	case monthKey('n', 'o', 'v'):
		month = time.November
	case monthKey('d', 'e', 'c'):
		month = time.December
	default:
		return 0, 0
	}
	n := 3
	if len(s) > 3 && s[3] != ' ' {
		if full := monthFull[month-1]; len(s) >= len(full) && strings.EqualFold(s[:len(full)], full) {
			n = len(full)
		}
	}
	return month, n
}

// bsdTimestampLen returns the length of `Mmm dd hh:mm:ss[.frac]` (one or
// more spaces after the month, a one- or two-digit day) at the start of
// s, followed by a space or the end; 0 when there is none.
func bsdTimestampLen(s string) int {
	_, i := bsdMonth(s)
	if i == 0 || i >= len(s) || s[i] != ' ' {
		return 0
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	d := i
	for i < len(s) && isDigit(s[i]) && i-d < 2 {
		i++
	}
	if i == d || i >= len(s) || s[i] != ' ' {
		return 0
	}
	i++
	// hh:mm:ss
	for k := 0; k < 3; k++ {
		if i+2 > len(s) || !isDigit(s[i]) || !isDigit(s[i+1]) {
			return 0
		}
		i += 2
		if k < 2 {
			if i >= len(s) || s[i] != ':' {
				return 0
			}
			i++
		}
	}
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j > i+1 {
			i = j
		}
	}
	if i < len(s) && s[i] != ' ' {
		return 0
	}
	return i
}

// isoTimestampLen returns the length of an ISO-8601 timestamp token at the
// start of s: `YYYY-MM-DDThh:mm...` (or a space instead of the T), up to
// the next space (or, with a space between date and time, the one after
// the time).
func isoTimestampLen(s string) int {
	if len(s) < 16 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:10]) {
		return 0
	}
	switch s[10] {
	case 'T', 't':
	case ' ':
		if !isDigit(s[11]) || !isDigit(s[12]) || s[13] != ':' {
			return 0
		}
	default:
		return 0
	}
	i := 11
	for i < len(s) && s[i] != ' ' {
		i++
	}
	return i
}

// parseBSD parses `Mmm dd hh:mm:ss[.frac]` in the parser's location. The
// year is not written: it is the current year, except that a December
// timestamp read in January belongs to last year and a January timestamp
// read in December to next year (the date filter's rule, which Logstash's
// syslog input uses).
func (p *Parser) parseBSD(s string) (time.Time, bool) {
	month, i := bsdMonth(s)
	for s[i] == ' ' {
		i++
	}
	day := 0
	for ; s[i] != ' '; i++ {
		day = day*10 + int(s[i]-'0')
	}
	i++
	hh, mm, ss := atoi(s[i:i+2]), atoi(s[i+3:i+5]), atoi(s[i+6:i+8])
	nanos := 0
	if frac := s[i+8:]; len(frac) > 1 {
		scale := 100000000
		for k := 1; k < len(frac) && scale > 0; k++ {
			nanos += int(frac[k]-'0') * scale
			scale /= 10
		}
	}
	loc := p.loc()
	now := p.now().In(loc)
	year := now.Year()
	switch {
	case month == time.December && now.Month() == time.January:
		year--
	case month == time.January && now.Month() == time.December:
		year++
	}
	if day < 1 || day > daysIn(month, year) || hh > 23 || mm > 59 || ss > 59 {
		return time.Time{}, false
	}
	return time.Date(year, month, day, hh, mm, ss, nanos, loc), true
}

// parseISO parses an ISO-8601 timestamp; without an offset it is read in
// the parser's location.
func (p *Parser) parseISO(s string) (time.Time, bool) {
	t, err := event.ParseTimestamp(s)
	if err != nil {
		return time.Time{}, false
	}
	if !hasOffset(s) {
		if loc := p.loc(); loc != time.UTC {
			y, mo, d := t.Date()
			h, mi, sec := t.Clock()
			t = time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), loc)
		}
	}
	return t, true
}

// hasOffset reports whether an ISO-8601 timestamp names its offset.
func hasOffset(s string) bool {
	if len(s) <= 11 {
		return false
	}
	t := s[11:]
	return strings.ContainsAny(t, "Zz+-") || strings.Contains(t, "UTC") || strings.Contains(t, "GMT")
}

func (p *Parser) loc() *time.Location {
	if p.Location != nil {
		return p.Location
	}
	return time.Local
}

func (p *Parser) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts a short run of digits (callers check them).
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
