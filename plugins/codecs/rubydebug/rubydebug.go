// Package rubydebug is the rubydebug codec: events pretty-printed the way
// Logstash's stdout shows them (Ruby's amazing_print).
package rubydebug

import (
	_ "embed"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/codecs/codecutil"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindCodec,
		Name:    "rubydebug",
		Summary: "Pretty-prints events as Logstash's stdout does (Ruby amazing_print style).",
		Description: `Encoding prints each event as a Ruby hash, as Logstash's ` + "`stdout { codec => rubydebug }`" + `
does with the amazing_print library:

` + "```" + `
{
    "@timestamp" => 2024-05-01T10:20:30.123Z,
      "@version" => "1",
          "host" => {
        "name" => "web-01"
    },
       "message" => "hello",
          "tags" => [
        [0] "_jsonparsefailure"
    ]
}
` + "```" + `

Keys are right-aligned and, unlike Logstash (whose order is the event's
internal one), sorted, so the output is stable. Strings are shown with Ruby's
escapes, timestamps bare in ISO-8601 UTC with milliseconds, null as ` + "`nil`" + `,
floats as Ruby prints them (` + "`1.0`" + `, ` + "`1.0e+20`" + `). There are no colours.
The codec only encodes; on an input it reads lines (Logstash fails there).`,
		Example: example,
		New:     func() plugin.Plugin { return &Codec{} },
	})
}

// Codec is the rubydebug codec.
type Codec struct {
	Metadata bool
}

var _ plugin.Codec = (*Codec)(nil)

// Settings declares the codec's settings.
func (c *Codec) Settings(s *plugin.Settings) {
	s.Bool(&c.Metadata, "metadata", "Show the event's `@metadata` too.").Default(false)
}

// NewDecoder returns a line decoder (rubydebug cannot decode).
func (*Codec) NewDecoder(opts plugin.DecoderOptions) plugin.Decoder {
	return codecutil.EncodeOnlyDecoder("rubydebug", opts)
}

var metadataRef = event.MustRef("[@metadata]")

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// Encode appends the event, pretty-printed, and a newline.
func (c *Codec) Encode(dst []byte, e *event.Event) ([]byte, error) {
	fields := e.Fields()
	if c.Metadata {
		// Get, unlike Metadata, never creates the map: Encode must not
		// modify the event (outputs encode concurrently).
		if v, _ := e.Get(metadataRef); len(asMap(v)) > 0 {
			md := asMap(v)
			withMeta := make(map[string]any, len(fields)+1)
			for k, v := range fields {
				withMeta[k] = v
			}
			withMeta[event.MetadataField] = md
			fields = withMeta
		}
	}
	dst = appendValue(dst, fields, indentStep)
	return append(dst, '\n'), nil
}

const indentStep = 4

// appendValue appends v printed at the given indentation (the column of
// the entries of a hash or array printed at this level).
func appendValue(dst []byte, v any, indent int) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "nil"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return AppendRubyFloat(dst, x)
	case string:
		return AppendRubyString(dst, x)
	case time.Time:
		return event.FormatTimestamp(dst, x)
	case map[string]any:
		return appendHash(dst, x, indent)
	case []any:
		return appendArray(dst, x, indent)
	default:
		return appendValue(dst, event.Normalize(v), indent)
	}
}

func appendHash(dst []byte, m map[string]any, indent int) []byte {
	if len(m) == 0 {
		return append(dst, "{}"...)
	}
	keys := make([]string, 0, len(m))
	quoted := make(map[string]string, len(m))
	width := 0
	for k := range m {
		keys = append(keys, k)
		q := string(AppendRubyString(nil, k))
		quoted[k] = q
		width = max(width, utf8.RuneCountInString(q))
	}
	slices.Sort(keys)
	width += indent
	dst = append(dst, "{\n"...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ",\n"...)
		}
		q := quoted[k]
		dst = appendSpaces(dst, width-utf8.RuneCountInString(q))
		dst = append(dst, q...)
		dst = append(dst, " => "...)
		dst = appendValue(dst, m[k], indent+indentStep)
	}
	dst = append(dst, '\n')
	dst = appendSpaces(dst, indent-indentStep)
	return append(dst, '}')
}

func appendArray(dst []byte, a []any, indent int) []byte {
	if len(a) == 0 {
		return append(dst, "[]"...)
	}
	w := len(strconv.Itoa(len(a) - 1))
	dst = append(dst, "[\n"...)
	for i, v := range a {
		if i > 0 {
			dst = append(dst, ",\n"...)
		}
		dst = appendSpaces(dst, indent)
		dst = append(dst, '[')
		idx := strconv.Itoa(i)
		dst = appendSpaces(dst, w-len(idx))
		dst = append(dst, idx...)
		dst = append(dst, "] "...)
		dst = appendValue(dst, v, indent+indentStep)
	}
	dst = append(dst, '\n')
	dst = appendSpaces(dst, indent-indentStep)
	return append(dst, ']')
}

func appendSpaces(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

// AppendRubyFloat appends f as Ruby's Float#to_s writes it: "1.0",
// "0.0001", "1.0e-05", "1.0e+16", "NaN", "Infinity".
func AppendRubyFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	// Shortest digits and the decimal exponent: d.ddd e±x.
	e := strconv.AppendFloat(nil, math.Abs(f), 'e', -1, 64)
	mant, exp := e, 0
	for i, c := range e {
		if c == 'e' {
			mant = e[:i]
			exp, _ = strconv.Atoi(string(e[i+1:]))
			break
		}
	}
	digits := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	decpt := exp + 1 // digits before the decimal point
	if f < 0 {
		dst = append(dst, '-')
	}
	switch {
	case decpt > 0 && decpt <= 16:
		if len(digits) <= decpt {
			dst = append(dst, digits...)
			dst = appendZeros(dst, decpt-len(digits))
			return append(dst, ".0"...)
		}
		dst = append(dst, digits[:decpt]...)
		dst = append(dst, '.')
		return append(dst, digits[decpt:]...)
	case decpt <= 0 && decpt > -4:
		dst = append(dst, "0."...)
		dst = appendZeros(dst, -decpt)
		return append(dst, digits...)
	default:
		dst = append(dst, digits[0], '.')
		if len(digits) > 1 {
			dst = append(dst, digits[1:]...)
		} else {
			dst = append(dst, '0')
		}
		dst = append(dst, 'e')
		x := decpt - 1
		if x < 0 {
			dst = append(dst, '-')
			x = -x
		} else {
			dst = append(dst, '+')
		}
		if x < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(x), 10)
	}
}

func appendZeros(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, '0')
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

// AppendRubyString appends s quoted as Ruby's String#inspect shows a UTF-8
// string.
func AppendRubyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\v':
				dst = append(dst, `\v`...)
			case '\b':
				dst = append(dst, `\b`...)
			case '\a':
				dst = append(dst, `\a`...)
			case 0x1b:
				dst = append(dst, `\e`...)
			case '#':
				// "#{", "#$" and "#@" would interpolate in Ruby source.
				if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '$' || s[i+1] == '@') {
					dst = append(dst, '\\')
				}
				dst = append(dst, '#')
			default:
				if c < 0x20 || c == 0x7f {
					dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xf])
				} else {
					dst = append(dst, c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, '\\', 'x', upperHex[c>>4], upperHex[c&0xf])
		case unicode.IsPrint(r):
			dst = append(dst, s[i:i+size]...)
		case r < 0x10000:
			dst = append(dst, '\\', 'u', upperHex[r>>12&0xf], upperHex[r>>8&0xf], upperHex[r>>4&0xf], upperHex[r&0xf])
		default:
			dst = append(dst, `\u{`...)
			dst = append(dst, strings.ToUpper(strconv.FormatUint(uint64(r), 16))...)
			dst = append(dst, '}')
		}
		i += size
	}
	return append(dst, '"')
}
