// Package csv is the csv filter: splits a line of comma-separated values
// into named fields.
package csv

import (
	_ "embed"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

// maxColumns bounds the cells of one row.
const maxColumns = 10000

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "csv",
		Summary: "Splits a line of comma-separated values into named fields.",
		Description: `Parses the text in ` + "`source`" + ` as one CSV row and stores each cell under its column
name, at the root of the event or under ` + "`target`" + `. Cells beyond ` + "`columns`" + ` are named
` + "`column1`" + `, ` + "`column2`" + `… (by position, counting from 1) unless
` + "`autogenerate_column_names`" + ` is off, in which case they are dropped.

Quoting is strict, as Ruby's CSV library (which Logstash uses) is: a quoted
cell may hold separators, line breaks and doubled quote characters; a quote
inside an unquoted cell, text after a closing quote or an unclosed quote is a
parse failure: the event is left unchanged and tagged with ` + "`tag_on_failure`" + `. An
empty unquoted cell is null and an empty quoted cell the empty string;
` + "`skip_empty_columns`" + ` leaves out both.

` + "`autodetect_column_names`" + ` takes the column names from the first row seen and drops
that event; it needs a single pipeline worker to be meaningful, as in Logstash.
` + "`skip_header`" + ` drops events whose row equals ` + "`columns`" + `. An empty source
line is a parse failure, or with ` + "`skip_empty_rows`" + ` is tagged ` + "`_csvskippedemptyfield`" + `
(drop such events with a conditional), as in Logstash. A missing or null source is
left alone.

` + "`convert`" + ` turns columns into ` + "`integer`" + `, ` + "`float`" + `, ` + "`boolean`" + ` (` + "`true`" + ` / ` + "`false`" + `, any case),
` + "`date`" + ` or ` + "`date_time`" + ` (ISO-8601, RFC 1123, or ` + "`YYYY-MM-DD`" + `; a date alone is midnight
UTC); text that does not convert stays text.

Differences from Logstash: ` + "`date`" + ` and ` + "`date_time`" + ` accept the formats above, not
everything Ruby's Date.parse guesses at, and a date without a zone is UTC
rather than the machine's zone; integers are decimal only (Ruby also reads
` + "`0x1A`" + ` and octal ` + "`012`" + `). ` + "`tag_on_failure`" + ` is a Sluice setting (Logstash always
uses ` + "`_csvparsefailure`" + `).`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the csv filter.
type Filter struct {
	Source                  event.Ref
	Target                  event.Ref
	Separator               string
	QuoteChar               string
	Columns                 []string
	AutodetectColumnNames   bool
	AutogenerateColumnNames bool
	SkipHeader              bool
	SkipEmptyColumns        bool
	SkipEmptyRows           bool
	Convert                 plugin.Hash
	TagOnFailure            []string

	quote    byte
	colRefs  []event.Ref // where each configured column is stored
	converts map[string]string
	// detected holds the autodetected column names.
	mu       sync.Mutex
	detected []string
	logger   *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

var convertTypes = []string{"integer", "float", "date", "date_time", "boolean"}

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.FieldRef(&f.Source, "source", "Field holding the CSV row.").Default("message")
	s.FieldRef(&f.Target, "target", "Field under which the columns are stored. Without it, they go to the root of the event.").
		Example(`"[csv]"`)
	s.String(&f.Separator, "separator", "Text between columns (one or more characters). For tab-separated values, write an actual tab character.").
		Default(",")
	s.String(&f.QuoteChar, "quote_char", "Character that quotes cells holding separators, line breaks or quotes (doubled inside).").
		Default(`"`)
	s.Strings(&f.Columns, "columns", "Column names, in order.").Default([]string{}).Example(`["time", "host", "status"]`)
	s.Bool(&f.AutodetectColumnNames, "autodetect_column_names",
		"Take the column names from the first row seen and drop that event (use one pipeline worker).").Default(false)
	s.Bool(&f.AutogenerateColumnNames, "autogenerate_column_names",
		"Name cells beyond `columns` column1, column2... by position; when false they are dropped.").Default(true)
	s.Bool(&f.SkipHeader, "skip_header", "Drop events whose row equals `columns` (a header line).").Default(false)
	s.Bool(&f.SkipEmptyColumns, "skip_empty_columns", "Leave out empty cells instead of storing null or the empty string.").Default(false)
	s.Bool(&f.SkipEmptyRows, "skip_empty_rows",
		"Tag events whose source line is empty with `_csvskippedemptyfield` instead of `tag_on_failure`.").Default(false)
	s.Hash(&f.Convert, "convert", "Column name => integer, float, date, date_time or boolean.").
		Example(`{ "status" => "integer" "ok" => "boolean" }`)
	s.Strings(&f.TagOnFailure, "tag_on_failure", "Tags added when the row cannot be parsed.").Default([]string{"_csvparsefailure"})
}

// Init checks the settings.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if f.Separator == "" {
		return fmt.Errorf("separator must not be empty")
	}
	if len(f.QuoteChar) != 1 {
		return fmt.Errorf("quote_char must be one character, got %q", f.QuoteChar)
	}
	f.quote = f.QuoteChar[0]
	if strings.IndexByte(f.Separator, f.quote) >= 0 {
		return fmt.Errorf("separator %q must not contain quote_char %q", f.Separator, f.QuoteChar)
	}
	f.converts = make(map[string]string, len(f.Convert))
	for _, ent := range f.Convert {
		t, ok := ent.Value.(string)
		if !ok || !contains(convertTypes, t) {
			return fmt.Errorf("convert %q: type %v is not one of %s", ent.Key, ent.Value, strings.Join(convertTypes, ", "))
		}
		f.converts[ent.Key] = t
	}
	for _, c := range f.Columns {
		ref, err := f.ref(c)
		if err != nil {
			return fmt.Errorf("columns: %w", err)
		}
		f.colRefs = append(f.colRefs, ref)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Filter parses the row; it returns false when it did not apply.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	v, ok := e.Get(f.Source)
	if !ok || v == nil {
		return false
	}
	s, ok := v.(string)
	if !ok {
		s = event.ValueString(v)
	}
	if s == "" {
		// Logstash: an empty line has no values; it is tagged
		// _csvskippedemptyfield with skip_empty_rows, else it fails.
		if f.SkipEmptyRows {
			e.AddTag("_csvskippedemptyfield")
			return false
		}
		for _, t := range f.TagOnFailure {
			e.AddTag(t)
		}
		f.log().Warn("error parsing csv: the source field is empty", "field", f.Source.String())
		return false
	}
	var buf [32]cell
	cells, err := parseLine(buf[:0], s, f.Separator, f.quote)
	if err != nil {
		for _, t := range f.TagOnFailure {
			e.AddTag(t)
		}
		f.log().Warn("error parsing csv", "field", f.Source.String(), "value", clip(s), "error", err)
		return false
	}
	columns := f.Columns
	if f.AutodetectColumnNames && len(columns) == 0 {
		f.mu.Lock()
		if f.detected == nil {
			f.detected = make([]string, len(cells))
			for i, c := range cells {
				f.detected[i] = c.value
			}
			f.mu.Unlock()
			e.Cancel()
			return false
		}
		columns = f.detected
		f.mu.Unlock()
	}
	if f.SkipHeader && len(columns) == len(cells) && sameRow(columns, cells) {
		e.Cancel()
		return false
	}
	for i, c := range cells {
		var name string
		switch {
		case i < len(columns):
			name = columns[i]
		case f.AutogenerateColumnNames:
			name = "column" + strconv.Itoa(i+1)
		default:
			continue
		}
		if f.SkipEmptyColumns && (c.null || c.value == "") {
			continue
		}
		var val any
		if !c.null {
			val = c.value
			if t, ok := f.converts[name]; ok {
				val = convert(c.value, t)
			}
		}
		var (
			ref event.Ref
			err error
		)
		if i < len(f.colRefs) && columns[i] == f.Columns[i] {
			ref = f.colRefs[i]
		} else if ref, err = f.ref(name); err != nil {
			if f.Target.IsZero() {
				e.Fields()[name] = val // not a field reference: keep the name as written
				continue
			}
		}
		if err == nil {
			err = e.Set(ref, val)
		}
		if err != nil {
			for _, t := range f.TagOnFailure {
				e.AddTag(t)
			}
			f.log().Warn("error storing csv column", "column", name, "error", err)
			return false
		}
	}
	return true
}

// ref is where a column is stored: the column name as a field reference,
// under target when set.
func (f *Filter) ref(name string) (event.Ref, error) {
	if f.Target.IsZero() {
		return event.ParseRef(name)
	}
	col, err := event.ParseRef(name)
	if err != nil {
		return col, err
	}
	var b strings.Builder
	for _, p := range append(append([]string(nil), f.Target.Path()...), col.Path()...) {
		b.WriteString("[" + p + "]")
	}
	return event.ParseRef(b.String())
}

func sameRow(columns []string, cells []cell) bool {
	for i, c := range cells {
		if c.value != columns[i] {
			return false
		}
	}
	return true
}

// convert converts a cell; text that does not convert is returned as is.
func convert(s, typ string) any {
	t := strings.TrimSpace(s)
	switch typ {
	case "integer":
		if n, err := strconv.ParseInt(strings.ReplaceAll(t, "_", ""), 10, 64); err == nil {
			return n
		}
	case "float":
		if x, err := strconv.ParseFloat(strings.ReplaceAll(t, "_", ""), 64); err == nil {
			return x
		}
	case "boolean":
		switch strings.ToLower(t) {
		case "true":
			return true
		case "false":
			return false
		}
	case "date", "date_time":
		if tm, ok := parseDate(t); ok {
			return tm
		}
	}
	return s
}

func parseDate(s string) (time.Time, bool) {
	if t, err := event.ParseTimestamp(s); err == nil {
		return t, true
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, "2006/01/02", "2006/01/02 15:04:05", "Jan 2 2006", "2 Jan 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func clip(s string) string {
	if len(s) > 256 {
		return s[:256] + "..."
	}
	return s
}

func (f *Filter) log() *slog.Logger {
	if f.logger == nil {
		return slog.Default()
	}
	return f.logger
}
