// Package fingerprint is the fingerprint filter: consistent hashes of
// fields, for document ids and de-duplication.
package fingerprint

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugins/filters/uuid"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "fingerprint",
		Summary: "Stores a consistent hash (fingerprint) of fields, e.g. as a document id.",
		Description: `Hashes the value of each ` + "`source`" + ` field and stores the result in ` + "`target`" + `
(by default ` + "`[event][hash]`" + ` with ECS compatibility, ` + "`fingerprint`" + ` without). With
several sources, the last one present wins, unless ` + "`concatenate_sources`" + ` is set:
then the names and values of the sources, sorted by name, are joined as
` + "`|name1|value1|name2|value2|`" + ` and that text is hashed (a missing source counts as
empty). ` + "`concatenate_all_fields`" + ` does the same with every field of the event
(not ` + "`@metadata`" + `). A source holding an array gets an array of fingerprints.

Values are turned into text as Logstash does: strings as they are, numbers in
Ruby's notation (` + "`1.0`" + ` for a float), timestamps as ISO 8601 with at least
milliseconds, objects and arrays in Ruby's inspect form with keys sorted
(` + "`{\"a\"=>1, \"b\"=>[\"x\"]}`" + `).

Methods: ` + "`SHA1`" + `, ` + "`SHA256`" + `, ` + "`SHA384`" + `, ` + "`SHA512`" + ` and ` + "`MD5`" + ` give hex text
(base64 with ` + "`base64encode`" + `), keyed (HMAC) when ` + "`key`" + ` is set. ` + "`MURMUR3`" + ` gives the
32-bit MurmurHash3 (seed 0) as a number; integers are hashed as their 8
little-endian bytes. ` + "`MURMUR3_128`" + ` gives the 128-bit MurmurHash3 (x64, seed 2, as
Logstash) in hex or base64; integers are hashed as 4 little-endian bytes when
they fit 32 bits, else 8. ` + "`IPV4_NETWORK`" + ` masks an IPv4 address to ` + "`key`" + ` bits
(` + "`1.2.3.4`" + ` with key 16 gives ` + "`1.2.0.0`" + `). ` + "`PUNCTUATION`" + ` keeps only the punctuation and
symbol characters of the (last present, by sorted name) source. ` + "`UUID`" + ` stores a random
UUID. Missing sources are skipped (the target is not set).

Differences from Logstash: Ruby's inspect form
is reproduced for common values; exotic strings (control characters beyond
` + "`\\n`" + `, ` + "`\\t`" + `, ` + "`\\r`" + `) may be escaped differently, so fingerprints of objects holding them
can differ from Logstash's.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the fingerprint filter.
type Filter struct {
	Source               []string
	Target               event.Ref
	Key                  string
	Base64Encode         bool
	Method               string
	ConcatenateSources   bool
	ConcatenateAllFields bool

	sources []source
	newHash func() hash.Hash
	bits    int
}

type source struct {
	name string
	ref  event.Ref
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Source, "source", "Fields whose values are fingerprinted.").Default([]string{"message"})
	s.FieldRef(&f.Target, "target",
		"Field that receives the fingerprint (overwritten). Default: `[event][hash]` with ECS compatibility, else `fingerprint`.")
	s.Password(&f.Key, "key",
		"HMAC key for the SHA and MD5 methods; the prefix length in bits for `IPV4_NETWORK` (required there).")
	s.Bool(&f.Base64Encode, "base64encode", "Give SHA, MD5 and MURMUR3_128 fingerprints in base64 instead of hex.").Default(false)
	s.String(&f.Method, "method", "Fingerprint method.").Default("SHA1").
		Enum("SHA1", "SHA256", "SHA384", "SHA512", "MD5", "MURMUR3", "MURMUR3_128", "IPV4_NETWORK", "UUID", "PUNCTUATION")
	s.Bool(&f.ConcatenateSources, "concatenate_sources",
		"Hash the names and values of all sources together, as `|name|value|...|`, instead of each source.").Default(false)
	s.Bool(&f.ConcatenateAllFields, "concatenate_all_fields",
		"Hash the names and values of every field of the event together (as `concatenate_sources` does).").Default(false)
}

// Init checks the method and key and sets the target.
func (f *Filter) Init(ctx *plugin.Context) error {
	if f.Target.IsZero() {
		if ctx.ECS() {
			f.Target = event.MustRef("[event][hash]")
		} else {
			f.Target = event.MustRef("fingerprint")
		}
	}
	for _, name := range f.Source {
		r, err := event.ParseRef(name)
		if err != nil {
			return fmt.Errorf("source: %w", err)
		}
		f.sources = append(f.sources, source{name: name, ref: r})
	}
	switch f.Method {
	case "SHA1":
		f.newHash = sha1.New
	case "SHA256":
		f.newHash = sha256.New
	case "SHA384":
		f.newHash = sha512.New384
	case "SHA512":
		f.newHash = sha512.New
	case "MD5":
		f.newHash = md5.New
	case "IPV4_NETWORK":
		n, err := strconv.Atoi(strings.TrimSpace(f.Key))
		if err != nil || n < 0 || n > 32 {
			return fmt.Errorf("method IPV4_NETWORK needs key set to a prefix length from 0 to 32, got %q", f.Key)
		}
		f.bits = n
	}
	return nil
}

// Filter stores the fingerprint. It always counts as matched.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	switch f.Method {
	case "UUID":
		_ = e.Set(f.Target, uuid.New())
		return true
	case "PUNCTUATION":
		sorted := f.sortedSources()
		for _, s := range sorted {
			v, ok := e.Get(s.ref)
			if !ok {
				continue
			}
			_ = e.Set(f.Target, punctuation(string(appendTop(nil, v))))
		}
		return true
	}
	if f.ConcatenateSources || f.ConcatenateAllFields {
		var buf []byte
		if f.ConcatenateAllFields {
			fields := e.Fields()
			keys := make([]string, 0, len(fields))
			for k := range fields {
				if k != event.MetadataField {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				buf = append(buf, '|')
				buf = append(buf, k...)
				buf = append(buf, '|')
				buf = appendTop(buf, fields[k])
			}
		} else {
			for _, s := range f.sortedSources() {
				v, _ := e.Get(s.ref)
				buf = append(buf, '|')
				buf = append(buf, s.name...)
				buf = append(buf, '|')
				buf = appendTop(buf, v)
			}
		}
		buf = append(buf, '|')
		if fp, ok := f.fingerprint(buf, nil); ok {
			_ = e.Set(f.Target, fp)
		}
		return true
	}
	for _, s := range f.sources {
		v, ok := e.Get(s.ref)
		if !ok {
			continue
		}
		if arr, isArr := v.([]any); isArr {
			out := make([]any, 0, len(arr))
			for _, item := range arr {
				if fp, ok := f.fingerprint(appendTop(nil, item), item); ok {
					out = append(out, fp)
				}
			}
			_ = e.Set(f.Target, out)
			continue
		}
		if fp, ok := f.fingerprint(appendTop(nil, v), v); ok {
			_ = e.Set(f.Target, fp)
		}
	}
	return true
}

func (f *Filter) sortedSources() []source {
	s := append([]source(nil), f.sources...)
	sort.Slice(s, func(i, j int) bool { return s[i].name < s[j].name })
	return s
}

// fingerprint hashes text (raw is the value it came from, for MURMUR3's
// integers); ok is false when the value cannot be fingerprinted.
func (f *Filter) fingerprint(text []byte, raw any) (any, bool) {
	switch f.Method {
	case "MURMUR3":
		if n, isInt := raw.(int64); isInt {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(n))
			return int64(Murmur3(b[:], 0)), true
		}
		return int64(Murmur3(text, 0)), true
	case "MURMUR3_128":
		data := text
		if n, isInt := raw.(int64); isInt {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], uint64(n))
			data = b[:8]
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				data = b[:4]
			}
		}
		sum := Murmur3x64128(data, 2)
		if f.Base64Encode {
			return base64.StdEncoding.EncodeToString(sum[:]), true
		}
		return hex.EncodeToString(sum[:]), true
	case "IPV4_NETWORK":
		a, err := netip.ParseAddr(strings.TrimSpace(string(text)))
		if err != nil || !a.Unmap().Is4() {
			return nil, false
		}
		p, _ := a.Unmap().Prefix(f.bits)
		return p.Addr().String(), true
	}
	var h hash.Hash
	if f.Key != "" {
		h = hmac.New(f.newHash, []byte(f.Key))
	} else {
		h = f.newHash()
	}
	h.Write(text)
	var sum [64]byte
	d := h.Sum(sum[:0])
	if f.Base64Encode {
		return base64.StdEncoding.EncodeToString(d), true
	}
	return hex.EncodeToString(d), true
}

func punctuation(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return r
		}
		return -1
	}, s)
}
