// Package date is the date filter: parses a date from a field and uses it
// as the event's timestamp.
package date

import (
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/internal/joda"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "date",
		Summary: "Parses a date from a field and uses it as the event's @timestamp.",
		Description: `Reads the field named first in ` + "`match`" + ` and tries the formats that follow in order;
the first that parses sets ` + "`target`" + ` (` + "`@timestamp`" + ` by default). Formats are Joda-Time patterns
(` + "`dd/MMM/yyyy:HH:mm:ss Z`" + `, ` + "`MMM  d HH:mm:ss`" + `, ` + "`yyyy-MM-dd HH:mm:ss,SSS`" + `) or one of the names:

- ` + "`ISO8601`" + `: ` + "`2011-04-19T03:44:01.103Z`" + `, also with a space instead of ` + "`T`" + `, a comma before
  the fraction, or no offset (then ` + "`timezone`" + ` applies);
- ` + "`UNIX`" + `: seconds since 1970, integer or decimal (number or text);
- ` + "`UNIX_MS`" + `: milliseconds since 1970;
- ` + "`TAI64N`" + `: a TAI64N label such as ` + "`@4000000052f88ea32489532c`" + ` (the ` + "`@`" + ` is optional).

Patterns are compiled once, when the pipeline starts. A pattern without a year
(syslog's ` + "`MMM dd HH:mm:ss`" + `) takes the current year, except that a December date
seen in January belongs to last year and a January date seen in December to
next year, as Logstash guesses. A missing or null field leaves the event alone.

When the field holds an array (a grok pattern that captured the same name
twice), each element is parsed in turn and the last one wins; the event is
tagged if any fails. Current Logstash versions fail on arrays; earlier ones
parsed each element, as Sluice does. Numbers given to a Joda pattern are read
as their decimal text (` + "`20240131`" + ` with ` + "`yyyyMMdd`" + `), where Logstash fails.

When nothing parses, the event is tagged with ` + "`tag_on_failure`" + ` and the common
options (` + "`add_field`" + `, ` + "`add_tag`" + `…) do not run.

Differences from Logstash: fractions of a second are kept to the nanosecond
(Logstash keeps milliseconds); only English month and day names are known, so
` + "`locale`" + ` must be an English locale; a local time inside a daylight-saving gap is
accepted rather than rejected.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the date filter.
type Filter struct {
	Match        []string
	Timezone     string
	Locale       string
	Target       event.Ref
	TagOnFailure []string

	source  event.Ref
	parsers []parser
	// Exactly one of staticLoc and zoneTpl is set.
	staticLoc *time.Location
	zoneTpl   *event.Template
	zones     zoneCache
	setTS     bool
	now       func() time.Time
	logger    *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Match, "match",
		"The field to read, then one or more formats tried in order: Joda-Time patterns, or ISO8601, UNIX, UNIX_MS, TAI64N.").
		Required().Example(`["logdate", "MMM dd yyyy HH:mm:ss", "MMM  d yyyy HH:mm:ss", "ISO8601"]`)
	s.String(&f.Timezone, "timezone",
		"Time zone for dates that carry no offset: an IANA name (`America/New_York`), `UTC`, an offset "+
			"(`+02:00`), or a `%{field}` reference resolved per event. Defaults to the machine's zone.").
		Example(`"Europe/Paris"`)
	s.String(&f.Locale, "locale",
		"Locale of month and day names, as an IETF tag (`en`, `en-US`). Only English names are supported.").
		Example(`"en"`)
	s.FieldRef(&f.Target, "target", "Field that receives the parsed time.").Default("@timestamp")
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when no format parses the field.").
		Default([]string{"_dateparsefailure"})
}

type parserKind uint8

const (
	pJoda parserKind = iota
	pISO8601
	pUnix
	pUnixMS
	pTAI64N
)

type parser struct {
	kind   parserKind
	format *joda.Format
}

// Init compiles the formats and the time zone.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.now == nil {
		f.now = time.Now
	}
	if len(f.Match) < 2 {
		return fmt.Errorf("match needs a field and at least one format, as in [\"logdate\", \"ISO8601\"]; got %q", f.Match)
	}
	src, err := event.ParseRef(f.Match[0])
	if err != nil {
		return fmt.Errorf("match: %w", err)
	}
	f.source = src
	for _, p := range f.Match[1:] {
		pr, err := compile(p)
		if err != nil {
			return err
		}
		f.parsers = append(f.parsers, pr)
	}
	if f.Locale != "" && !isEnglish(f.Locale) {
		return fmt.Errorf("locale %q: only English month and day names are supported (use en or en-US)", f.Locale)
	}
	f.staticLoc = time.Local
	if f.Timezone != "" {
		tpl, err := event.ParseTemplate(f.Timezone)
		if err != nil {
			return fmt.Errorf("timezone: %w", err)
		}
		if tpl.IsStatic() {
			loc, err := loadZone(f.Timezone)
			if err != nil {
				return fmt.Errorf("timezone: %w", err)
			}
			f.staticLoc = loc
		} else {
			f.staticLoc, f.zoneTpl = nil, tpl
		}
	}
	name, top := f.Target.TopLevel()
	f.setTS = top && name == event.TimestampField
	return nil
}

func compile(p string) (parser, error) {
	switch p {
	case "ISO8601":
		return parser{kind: pISO8601}, nil
	case "UNIX":
		return parser{kind: pUnix}, nil
	case "UNIX_MS":
		return parser{kind: pUnixMS}, nil
	case "TAI64N":
		return parser{kind: pTAI64N}, nil
	}
	jf, err := joda.Compile(p)
	if err != nil {
		return parser{}, fmt.Errorf("match: date format %q: %w", p, err)
	}
	return parser{kind: pJoda, format: jf}, nil
}

func isEnglish(tag string) bool {
	t := strings.ToLower(tag)
	return t == "en" || strings.HasPrefix(t, "en-") || strings.HasPrefix(t, "en_") || t == "root" || t == "und"
}

// Filter parses the source field; it returns false when it did not apply.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.source)
	if !ok || v == nil {
		return false
	}
	values, isArray := v.([]any)
	if !isArray {
		values = []any{v}
	}
	if len(values) == 0 {
		return false
	}
	loc, err := f.location(e)
	if err != nil {
		f.fail(e, v, err)
		return false
	}
	var last time.Time
	for _, val := range values {
		t, err := f.parse(val, loc)
		if err != nil {
			f.fail(e, val, err)
			return false
		}
		last = t
	}
	if f.setTS {
		e.SetTimestamp(last)
		return true
	}
	if err := e.Set(f.Target, last.UTC()); err != nil {
		f.fail(e, v, err)
		return false
	}
	return true
}

// parse tries every format on one value.
func (f *Filter) parse(v any, loc *time.Location) (time.Time, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case time.Time:
		return x, nil
	default:
		s = event.ValueString(v)
	}
	var firstErr error
	for i := range f.parsers {
		p := &f.parsers[i]
		var (
			t   time.Time
			err error
		)
		switch p.kind {
		case pJoda:
			t, err = f.parseJoda(p.format, s, loc)
		case pISO8601:
			t, err = parseISO(s, loc)
		case pUnix, pUnixMS:
			if _, isText := v.(string); isText {
				t, err = event.EpochFromValue(strings.TrimSpace(s), p.kind == pUnixMS)
			} else {
				t, err = event.EpochFromValue(v, p.kind == pUnixMS)
			}
		case pTAI64N:
			t, err = parseTAI64N(s)
		}
		if err == nil {
			return t, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return time.Time{}, firstErr
}

// parseJoda parses with a Joda pattern, guessing the year when the pattern
// has none as Logstash does.
func (f *Filter) parseJoda(jf *joda.Format, s string, loc *time.Location) (time.Time, error) {
	if jf.HasYear() {
		return jf.Parse(s, loc)
	}
	now := f.now().In(loc)
	t, err := jf.ParseDefaultYear(s, loc, now.Year())
	if err != nil {
		return feb29(jf, s, loc, now.Year(), err)
	}
	// The month as written: read it in the zone the text was parsed in.
	month := t.Month() // in the zone the text carried
	if !jf.HasZone() {
		month = t.In(loc).Month()
	}
	switch {
	case month == time.December && now.Month() == time.January:
		return jf.ParseDefaultYear(s, loc, now.Year()-1)
	case month == time.January && now.Month() == time.December:
		return jf.ParseDefaultYear(s, loc, now.Year()+1)
	}
	return t, nil
}

// feb29 handles "Feb 29" without a year in a common year: Logstash parses
// it in a leap year and then moves it to the guessed year, where Joda
// clamps it to Feb 28. Only for patterns without a zone (the syslog case);
// anything else keeps the original error.
func feb29(jf *joda.Format, s string, loc *time.Location, year int, orig error) (time.Time, error) {
	if jf.HasZone() {
		return time.Time{}, orig
	}
	t, err := jf.ParseDefaultYear(s, loc, 2000)
	if err != nil {
		return time.Time{}, orig
	}
	w := t.In(loc)
	if w.Month() != time.February || w.Day() != 29 {
		return time.Time{}, orig
	}
	return time.Date(year, time.February, 28, w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc), nil
}

// parseISO parses ISO-8601; a time without an offset is read in loc.
func parseISO(s string, loc *time.Location) (time.Time, error) {
	t, err := event.ParseTimestamp(s)
	if err != nil {
		return t, err
	}
	if loc == time.UTC || hasOffset(s) {
		return t, nil
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), nil
}

// hasOffset reports whether an ISO-8601 text (already validated) carries
// a zone: anything after the date part that is Z, a sign, UTC or GMT.
func hasOffset(s string) bool {
	if len(s) <= 10 {
		return false
	}
	rest := s[10:]
	return strings.ContainsAny(rest, "Zz+-") || strings.HasSuffix(rest, "UTC") || strings.HasSuffix(rest, "GMT")
}

// tai64Offset is 2^62 plus the 10 seconds TAI was ahead of UTC in 1970.
const tai64Offset = 1<<62 + 10

// parseTAI64N parses a TAI64N label: 16 hex digits of seconds and 8 of
// nanoseconds, optionally after '@'.
func parseTAI64N(s string) (time.Time, error) {
	h := strings.TrimPrefix(s, "@")
	if len(h) != 24 {
		return time.Time{}, fmt.Errorf("invalid TAI64N label %q: expected 24 hex digits", clip(s))
	}
	var b [12]byte
	if _, err := hex.Decode(b[:], []byte(h)); err != nil {
		return time.Time{}, fmt.Errorf("invalid TAI64N label %q: %w", clip(s), err)
	}
	var secs uint64
	for _, c := range b[:8] {
		secs = secs<<8 | uint64(c)
	}
	var nanos uint32
	for _, c := range b[8:] {
		nanos = nanos<<8 | uint32(c)
	}
	if nanos >= 1e9 || secs < tai64Offset-62167219200 || secs >= tai64Offset+253402300800 {
		return time.Time{}, fmt.Errorf("TAI64N label %q out of range", clip(s))
	}
	return time.Unix(int64(secs-tai64Offset), int64(nanos)).UTC(), nil
}

func (f *Filter) location(e *event.Event) (*time.Location, error) {
	if f.zoneTpl == nil {
		return f.staticLoc, nil
	}
	name := f.zoneTpl.Render(e)
	return f.zones.get(name)
}

// zoneCache remembers time zones resolved per event (loading one reads
// the zone database). It is bounded: a field full of junk cannot grow it
// without limit.
type zoneCache struct {
	mu sync.RWMutex
	m  map[string]zoneEntry
}

type zoneEntry struct {
	loc *time.Location
	err error
}

const maxCachedZones = 1024

func (c *zoneCache) get(name string) (*time.Location, error) {
	c.mu.RLock()
	ent, ok := c.m[name]
	c.mu.RUnlock()
	if ok {
		return ent.loc, ent.err
	}
	loc, err := loadZone(name)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedZones {
		c.m = make(map[string]zoneEntry)
	}
	c.m[name] = zoneEntry{loc, err}
	c.mu.Unlock()
	return loc, err
}

// loadZone resolves an IANA name, UTC/GMT/Z, or a fixed offset such as
// +02:00, -0530 or UTC+1.
func loadZone(name string) (*time.Location, error) {
	switch name {
	case "UTC", "GMT", "Z", "Etc/UTC", "UT":
		return time.UTC, nil
	case "":
		return nil, fmt.Errorf("empty time zone")
	}
	if off, ok := parseFixedOffset(name); ok {
		return time.FixedZone(name, off), nil
	}
	if len(name) > 64 || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, fmt.Errorf("unknown time zone %q", clip(name))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: expected an IANA name such as America/New_York or an offset such as +02:00", clip(name))
	}
	return loc, nil
}

// parseFixedOffset reads ±HH, ±HHMM, ±HH:MM, optionally after UTC or GMT.
func parseFixedOffset(s string) (int, bool) {
	for _, p := range []string{"UTC", "GMT", "UT"} {
		if strings.HasPrefix(s, p) && len(s) > len(p) && (s[len(p)] == '+' || s[len(p)] == '-') {
			s = s[len(p):]
			break
		}
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	d := strings.Replace(s[1:], ":", "", 1)
	var h, m int
	switch len(d) {
	case 1, 2:
		h = atoi(d)
	case 4:
		h, m = atoi(d[:2]), atoi(d[2:])
	default:
		return 0, false
	}
	if h < 0 || m < 0 || h > 18 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func (f *Filter) fail(e *event.Event, v any, err error) {
	for _, t := range f.TagOnFailure {
		e.AddTag(t)
	}
	l := f.logger
	if l == nil {
		l = slog.Default()
	}
	if l.Enabled(context.Background(), slog.LevelDebug) {
		l.Debug("failed parsing date", "field", f.source.String(), "value", clip(event.ValueString(v)), "error", err)
	}
}
