package plugin

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
)

// Type names a setting's type in Logstash's words (used in docs and
// errors).
type Type string

const (
	TypeString   Type = "string"
	TypeNumber   Type = "number"
	TypeBoolean  Type = "boolean"
	TypeArray    Type = "array"
	TypeHash     Type = "hash"
	TypeCodec    Type = "codec"
	TypePassword Type = "password"
	TypePath     Type = "path"
	TypeFieldRef Type = "field_reference"
	TypeBytes    Type = "bytes"
	TypeAny      Type = "any"
)

// Setting is one declared setting. Declare settings with the Settings
// methods (String, Int, ...) and refine them with Default, Required, Enum,
// Example and Deprecated.
type Setting struct {
	Name       string
	Type       Type
	Doc        string
	IsRequired bool
	EnumValues []string
	// DefaultValue is the default as given to Default (nil if none).
	DefaultValue any
	HasDefault   bool
	ExampleText  string
	Deprecation  string
	// Set reports whether the configuration gave a value.
	Set bool

	decode       func(v config.Value, d *decoder) error
	applyDefault func(d *decoder) error
}

// Default sets the default value. Its Go type must match the setting's
// (string for String, int for Int, []string for Strings, a codec name for
// Codec, ...); a mismatch panics when the plugin declares its settings,
// which the registry's self-test catches.
func (s *Setting) Default(v any) *Setting {
	s.DefaultValue = v
	s.HasDefault = true
	return s
}

// Required marks the setting as required.
func (s *Setting) Required() *Setting { s.IsRequired = true; return s }

// Enum restricts a string setting to the given values.
func (s *Setting) Enum(values ...string) *Setting { s.EnumValues = values; return s }

// Example gives an example value (in pipeline syntax) for the docs.
func (s *Setting) Example(v string) *Setting { s.ExampleText = v; return s }

// Deprecated marks a setting as deprecated with advice for the docs and a
// warning when it is used.
func (s *Setting) Deprecated(advice string) *Setting { s.Deprecation = advice; return s }

// DefaultText renders the default for docs.
func (s *Setting) DefaultText() string {
	if !s.HasDefault {
		return ""
	}
	switch v := s.DefaultValue.(type) {
	case string:
		if s.Type == TypeCodec {
			return v
		}
		return strconv.Quote(v)
	case []string:
		q := make([]string, len(v))
		for i, e := range v {
			q[i] = strconv.Quote(e)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case time.Duration:
		return strconv.FormatFloat(v.Seconds(), 'f', -1, 64)
	default:
		return pipelineSyntax(v)
	}
}

// pipelineSyntax writes a default value as it would be written in a
// pipeline: strings quoted, arrays in brackets, hashes as { "k" => v }.
func pipelineSyntax(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []string:
		q := make([]string, len(x))
		for i, e := range x {
			q[i] = strconv.Quote(e)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []any:
		q := make([]string, len(x))
		for i, e := range x {
			q[i] = pipelineSyntax(e)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case []int64:
		q := make([]string, len(x))
		for i, e := range x {
			q[i] = strconv.FormatInt(e, 10)
		}
		return "[" + strings.Join(q, ", ") + "]"
	case Hash:
		if len(x) == 0 {
			return "{}"
		}
		q := make([]string, len(x))
		for i, e := range x {
			q[i] = strconv.Quote(e.Key) + " => " + pipelineSyntax(e.Value)
		}
		return "{ " + strings.Join(q, " ") + " }"
	default:
		return fmt.Sprint(v)
	}
}

// Settings collects a plugin's setting declarations. Each declaration binds
// a setting name to a field of the plugin; the same declarations drive
// validation, defaults, `sluice check` and the generated docs.
type Settings struct {
	list   []*Setting
	byName map[string]*Setting
}

// List returns the declared settings in declaration order.
func (s *Settings) List() []*Setting { return s.list }

// Lookup finds a setting by name.
func (s *Settings) Lookup(name string) (*Setting, bool) {
	st, ok := s.byName[name]
	return st, ok
}

func (s *Settings) add(st *Setting) *Setting {
	if s.byName == nil {
		s.byName = map[string]*Setting{}
	}
	if _, dup := s.byName[st.Name]; dup {
		panic("BUG: setting " + st.Name + " declared twice")
	}
	s.byName[st.Name] = st
	s.list = append(s.list, st)
	return st
}

// declare adds a typed setting bound to p.
func declare[T any](s *Settings, p *T, name, doc string, typ Type, parse func(config.Value, *decoder) (T, error)) *Setting {
	st := &Setting{Name: name, Type: typ, Doc: doc}
	st.decode = func(v config.Value, d *decoder) error {
		x, err := parse(v, d)
		if err != nil {
			return err
		}
		*p = x
		return nil
	}
	st.applyDefault = func(*decoder) error {
		x, ok := st.DefaultValue.(T)
		if !ok {
			panic(fmt.Sprintf("BUG: default of setting %s is a %T, want %T", name, st.DefaultValue, *new(T)))
		}
		*p = x
		return nil
	}
	return s.add(st)
}

// String declares a string setting. Numbers and barewords are accepted as
// their text.
func (s *Settings) String(p *string, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeString, parseString)
}

// Password declares a secret string: never logged or shown in docs output.
func (s *Settings) Password(p *string, name, doc string) *Setting {
	return declare(s, p, name, doc, TypePassword, parseString)
}

// Path declares a file system path.
func (s *Settings) Path(p *string, name, doc string) *Setting {
	return declare(s, p, name, doc, TypePath, parseString)
}

// Int declares an integer setting. Quoted numbers are accepted.
func (s *Settings) Int(p *int, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeNumber, func(v config.Value, _ *decoder) (int, error) {
		f, isInt, err := number(v)
		if err != nil {
			return 0, err
		}
		if !isInt || f > math.MaxInt64 || f < math.MinInt64 {
			return 0, fmt.Errorf("expected an integer, got %s", describe(v))
		}
		return int(f), nil
	})
}

// Float declares a number setting that may have a fraction.
func (s *Settings) Float(p *float64, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeNumber, func(v config.Value, _ *decoder) (float64, error) {
		f, _, err := number(v)
		return f, err
	})
}

// Seconds declares a duration given as a number of seconds (Logstash's
// convention); fractions are allowed.
func (s *Settings) Seconds(p *time.Duration, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeNumber, func(v config.Value, _ *decoder) (time.Duration, error) {
		f, _, err := number(v)
		if err != nil {
			return 0, err
		}
		if f < 0 {
			return 0, fmt.Errorf("expected a duration in seconds (>= 0), got %s", describe(v))
		}
		return time.Duration(f * float64(time.Second)), nil
	})
}

// Bool declares a boolean setting: true/false, quoted or not.
func (s *Settings) Bool(p *bool, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeBoolean, func(v config.Value, _ *decoder) (bool, error) {
		switch x := v.(type) {
		case *config.Bareword:
			switch x.Value {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		case *config.String:
			switch x.Value {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
		return false, fmt.Errorf("expected true or false, got %s", describe(v))
	})
}

// Strings declares an array of strings. A single value is accepted as an
// array of one, as in Logstash.
func (s *Settings) Strings(p *[]string, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeArray, func(v config.Value, d *decoder) ([]string, error) {
		arr, ok := v.(*config.Array)
		if !ok {
			str, err := parseString(v, d)
			if err != nil {
				return nil, err
			}
			return []string{str}, nil
		}
		out := make([]string, 0, len(arr.Items))
		for _, it := range arr.Items {
			str, err := parseString(it, d)
			if err != nil {
				return nil, fmt.Errorf("array item at %s: %w", it.Position(), err)
			}
			out = append(out, str)
		}
		return out, nil
	})
}

// Array declares an array of any values (strings, numbers, arrays,
// hashes). A single value is accepted as an array of one.
func (s *Settings) Array(p *[]any, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeArray, func(v config.Value, d *decoder) ([]any, error) {
		if arr, ok := v.(*config.Array); ok {
			return toGo(arr, d).([]any), nil
		}
		return []any{toGo(v, d)}, nil
	})
}

// HashEntry is one entry of a Hash setting.
type HashEntry struct {
	Key   string
	Value any
}

// Hash is an ordered hash: entries keep the order of the configuration, as
// Logstash's do. Values are string, int64, float64, []any or Hash.
type Hash []HashEntry

// Get returns the value for key.
func (h Hash) Get(key string) (any, bool) {
	for _, e := range h {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// HashSetting declares a hash setting. An array with an even number of
// items is accepted as key, value pairs, as Logstash accepts.
func (s *Settings) Hash(p *Hash, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeHash, func(v config.Value, d *decoder) (Hash, error) {
		switch x := v.(type) {
		case *config.Hash:
			return toGo(x, d).(Hash), nil
		case *config.Array:
			if len(x.Items)%2 != 0 {
				return nil, fmt.Errorf("expected a hash, got an array with an odd number of items")
			}
			h := make(Hash, 0, len(x.Items)/2)
			for i := 0; i < len(x.Items); i += 2 {
				k, err := parseString(x.Items[i], d)
				if err != nil {
					return nil, err
				}
				h = append(h, HashEntry{Key: k, Value: toGo(x.Items[i+1], d)})
			}
			return h, nil
		}
		return nil, fmt.Errorf("expected a hash, got %s", describe(v))
	})
}

// Any declares a setting of any shape; the plugin checks it in Init. The
// value is string, int64, float64, []any or Hash.
func (s *Settings) Any(p *any, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeAny, func(v config.Value, d *decoder) (any, error) {
		return toGo(v, d), nil
	})
}

// FieldRef declares a field reference setting such as `[a][b]`.
func (s *Settings) FieldRef(p *event.Ref, name, doc string) *Setting {
	st := declare(s, p, name, doc, TypeFieldRef, func(v config.Value, d *decoder) (event.Ref, error) {
		str, err := parseString(v, d)
		if err != nil {
			return event.Ref{}, err
		}
		return event.ParseRef(str)
	})
	st.applyDefault = func(*decoder) error {
		str, ok := st.DefaultValue.(string)
		if !ok {
			panic(fmt.Sprintf("BUG: default of setting %s is a %T, want a string", name, st.DefaultValue))
		}
		*p = event.MustRef(str)
		return nil
	}
	return st
}

var bytesRE = regexp.MustCompile(`^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(i?)([bB]?)\s*$`)

// Bytes declares a byte size: a number of bytes or a string such as
// "20MiB", "512kb", "1gb" (Logstash's bytes type: kb and KiB both mean
// 1024).
func (s *Settings) Bytes(p *int64, name, doc string) *Setting {
	return declare(s, p, name, doc, TypeBytes, func(v config.Value, _ *decoder) (int64, error) {
		if n, ok := v.(*config.Number); ok && n.IsInt && n.Int >= 0 {
			return n.Int, nil
		}
		str, ok := v.(*config.String)
		if !ok {
			return 0, fmt.Errorf("expected a byte size such as \"10MiB\", got %s", describe(v))
		}
		m := bytesRE.FindStringSubmatch(str.Value)
		if m == nil {
			return 0, fmt.Errorf("expected a byte size such as \"10MiB\", got %q", str.Value)
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		mult := map[string]float64{"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[strings.ToLower(m[2])]
		return int64(f * mult), nil
	})
}

// Codec declares a codec setting; Default takes a codec name.
func (s *Settings) Codec(p *Codec, name, doc string) *Setting {
	st := declare(s, p, name, doc, TypeCodec, func(v config.Value, d *decoder) (Codec, error) {
		switch x := v.(type) {
		case *config.Plugin:
			return d.codec(x.Name, x.Attrs, x.Pos)
		case *config.Bareword:
			return d.codec(x.Value, nil, x.Pos)
		case *config.String:
			return d.codec(x.Value, nil, x.Pos)
		}
		return nil, fmt.Errorf("expected a codec name, got %s", describe(v))
	})
	st.applyDefault = func(d *decoder) error {
		c, err := d.codec(st.DefaultValue.(string), nil, d.pos)
		if err == nil {
			*p = c
		}
		return err
	}
	return st
}

func parseString(v config.Value, _ *decoder) (string, error) {
	switch x := v.(type) {
	case *config.String:
		return x.Value, nil
	case *config.Bareword:
		return x.Value, nil
	case *config.Number:
		return x.Raw, nil
	}
	return "", fmt.Errorf("expected a string, got %s", describe(v))
}

func number(v config.Value) (float64, bool, error) {
	switch x := v.(type) {
	case *config.Number:
		if x.IsInt {
			return float64(x.Int), true, nil
		}
		return x.Float, false, nil
	case *config.String:
		s := strings.TrimSpace(x.Value)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return float64(i), true, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, f == math.Trunc(f), nil
		}
	}
	return 0, false, fmt.Errorf("expected a number, got %s", describe(v))
}

// toGo converts a config value to plain Go values (hashes keep order).
func toGo(v config.Value, d *decoder) any {
	switch x := v.(type) {
	case *config.String:
		return x.Value
	case *config.Bareword:
		return x.Value
	case *config.Number:
		if x.IsInt {
			return x.Int
		}
		return x.Float
	case *config.Array:
		out := make([]any, len(x.Items))
		for i, it := range x.Items {
			out[i] = toGo(it, d)
		}
		return out
	case *config.Hash:
		h := make(Hash, 0, len(x.Entries))
		for _, e := range x.Entries {
			h = append(h, HashEntry{Key: e.Key, Value: toGo(e.Value, d)})
		}
		return h
	case *config.Plugin:
		return x.Name
	}
	return nil
}

func describe(v config.Value) string {
	switch x := v.(type) {
	case *config.String:
		return fmt.Sprintf("string %q", x.Value)
	case *config.Bareword:
		return fmt.Sprintf("bareword %s", x.Value)
	case *config.Number:
		return "number " + x.Raw
	case *config.Array:
		return "an array"
	case *config.Hash:
		return "a hash"
	case *config.Plugin:
		return "plugin " + x.Name
	}
	return "nothing"
}

func sortedNames(s *Settings) []string {
	names := make([]string, 0, len(s.list))
	for _, st := range s.list {
		names = append(names, st.Name)
	}
	sort.Strings(names)
	return names
}
