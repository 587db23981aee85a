package fingerprint

import (
	"encoding/base64"
	"encoding/hex"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// Known MurmurHash3 x86_32 values (published test vectors of the
// reference implementation).
func TestMurmur3(t *testing.T) {
	tests := []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0},
		{"", 1, 0x514e28b7},
		{"", 0xffffffff, 0x81f16f39},
		{"\x00\x00\x00\x00", 0, 0x2362f9de},
		{"hello", 0, 0x248bfa47},
		{"The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723},
		{"Hello, world!", 0x9747b28c, 0x24884cba},
		{"aaaa", 0x9747b28c, 0x5a97808a},
		{"aaa", 0x9747b28c, 0x283e0130},
		{"aa", 0x9747b28c, 0x5d211726},
		{"a", 0x9747b28c, 0x7fa09ea6},
	}
	for _, tt := range tests {
		if got := Murmur3([]byte(tt.in), tt.seed); got != tt.want {
			t.Errorf("Murmur3(%q, %#x) = %#x, want %#x", tt.in, tt.seed, got, tt.want)
		}
	}
}

var ts0 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// Expected digests were computed with Python's hashlib/hmac, e.g.
// hashlib.sha1(b"|a|1|b|x|").hexdigest().
func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in         map[string]any
		target     string
		want       any // nil: target not set
	}{
		{"sha1 default", `fingerprint { }`, map[string]any{"message": "hello"}, "[event][hash]", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"},
		{"sha256", `fingerprint { method => "SHA256" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"sha384", `fingerprint { method => "SHA384" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"},
		{"sha512", `fingerprint { method => "SHA512" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"},
		{"md5", `fingerprint { method => "MD5" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "5d41402abc4b2a76b9719d911017c592"},
		{"hmac sha256", `fingerprint { method => "SHA256" key => "secret" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "88aab3ede8d3adf94d26ab90d3bafd4a2083070c3bcce9c014ee04a443847c0b"},
		{"hmac sha1 base64", `fingerprint { key => "secret" base64encode => true target => "fp" }`, map[string]any{"message": "hello"}, "fp", "URIFXAX5RPhXVe/FzYlw4ZTp9Fs="},
		{"sha1 base64", `fingerprint { base64encode => true target => "fp" }`, map[string]any{"message": "hello"}, "fp", "qvTGHdzF6KLavt4PO0gs2a6pQ00="},
		{"float as Ruby prints it", `fingerprint { source => ["n"] target => "fp" }`, map[string]any{"n": 1.0}, "fp", "e8dc057d3346e56aed7cf252185dbe1fa6454411"},
		{"object in inspect form, sorted", `fingerprint { source => ["o"] target => "fp" }`, map[string]any{"o": map[string]any{"b": []any{"x", 2.5, nil}, "a": int64(1)}}, "fp", "199c103db5312b52e4d40868dc5e3e65f2107b9b"},
		{"concatenate_sources sorted", `fingerprint { source => ["b", "a"] concatenate_sources => true target => "fp" }`, map[string]any{"a": int64(1), "b": "x"}, "fp", "e9ee95551d3eb14da6c8f2dc8d1d45a9a2466ac1"},
		{"concatenate_sources missing", `fingerprint { source => ["z", "a"] concatenate_sources => true target => "fp" }`, map[string]any{"a": int64(1)}, "fp", "af0911a5df1e0a3cf0fb724b95ea4342991f722c"},
		{"concatenate_all_fields", `fingerprint { concatenate_all_fields => true target => "[@metadata][fp]" }`, map[string]any{"message": "hi"}, "[@metadata][fp]", "e7598df062e9f8978245e6c79797e61305de0ee1"},
		{"array source", `fingerprint { source => ["l"] method => "MD5" target => "fp" }`, map[string]any{"l": []any{"a", "b"}}, "fp", []any{"0cc175b9c0f1b6a831c399e269772661", "92eb5ffee6ae2fec3ad71c777531578f"}},
		{"last present source wins", `fingerprint { source => ["message", "missing"] method => "MD5" target => "fp" }`, map[string]any{"message": "hello"}, "fp", "5d41402abc4b2a76b9719d911017c592"},
		{"missing source", `fingerprint { source => ["missing"] target => "fp" }`, map[string]any{"message": "hello"}, "fp", nil},
		{"murmur3", `fingerprint { method => "MURMUR3" target => "fp" }`, map[string]any{"message": "hello"}, "fp", int64(0x248bfa47)},
		{"ipv4_network", `fingerprint { method => "IPV4_NETWORK" key => "16" source => ["ip"] target => "fp" }`, map[string]any{"ip": "1.2.3.4"}, "fp", "1.2.0.0"},
		{"ipv4_network not an address", `fingerprint { method => "IPV4_NETWORK" key => "16" source => ["ip"] target => "fp" }`, map[string]any{"ip": "::1"}, "fp", nil},
		{"punctuation", `fingerprint { method => "PUNCTUATION" target => "fp" }`, map[string]any{"message": `GET /a?b=1 "x" 100% €`}, "fp", `/?=""%€`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
			tt.in["@timestamp"] = ts0
			e := event.FromMap(tt.in)
			if !f.Filter(e, nil) {
				t.Error("Filter returned false")
			}
			got, ok := e.Get(event.MustRef(tt.target))
			if tt.want == nil {
				if ok {
					t.Errorf("target set to %#v", got)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("target = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestUUID(t *testing.T) {
	f := plugintest.Build(t, plugin.KindFilter, `fingerprint { method => "UUID" target => "id" }`).Plugin.(*Filter)
	e := event.NewMessage("x")
	f.Filter(e, nil)
	got, _ := e.GetField("id")
	if s, _ := got.(string); !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(s) {
		t.Errorf("id = %#v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, conf := range []string{
		`fingerprint { method => "CRC32" }`,
		`fingerprint { method => "IPV4_NETWORK" }`,
		`fingerprint { method => "IPV4_NETWORK" key => "33" }`,
		`fingerprint { source => ["[a"] }`,
	} {
		if _, err := plugintest.BuildErr(plugin.KindFilter, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func FuzzMurmur3(f *testing.F) {
	f.Add([]byte("hello"), uint32(0))
	f.Fuzz(func(t *testing.T, b []byte, seed uint32) {
		if Murmur3(b, seed) != Murmur3(append([]byte(nil), b...), seed) {
			t.Fatal("not deterministic")
		}
	})
}

func BenchmarkSHA1(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `fingerprint { }`)
	if err != nil {
		b.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	e := event.NewMessage("127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326")
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(e, nil)
	}
}

// Published MurmurHash3 x64_128 values (seed 0), as hex of h1 then h2
// little-endian.
func TestMurmur3x64128(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "00000000000000000000000000000000"},
		{"The quick brown fox jumps over the lazy dog", "6c1b07bc7bbc4be347939ac4a93c437a"},
	}
	for _, tt := range tests {
		sum := Murmur3x64128([]byte(tt.in), 0)
		if got := hex.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("Murmur3x64128(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// MURMUR3_128 wiring: seed 2 (as Logstash), hex or base64, integers as 4 or
// 8 little-endian bytes. The algorithm itself is checked against published
// values in TestMurmur3x64128.
func TestMurmur3128Filter(t *testing.T) {
	sum := func(b []byte) []byte { s := Murmur3x64128(b, 2); return s[:] }
	tests := []struct {
		conf string
		v    any
		want string
	}{
		{`fingerprint { method => "MURMUR3_128" source => ["v"] target => "fp" }`, "hello", hex.EncodeToString(sum([]byte("hello")))},
		{`fingerprint { method => "MURMUR3_128" base64encode => true source => ["v"] target => "fp" }`, "hello", base64.StdEncoding.EncodeToString(sum([]byte("hello")))},
		{`fingerprint { method => "MURMUR3_128" source => ["v"] target => "fp" }`, int64(1), hex.EncodeToString(sum([]byte{1, 0, 0, 0}))},
		{`fingerprint { method => "MURMUR3_128" source => ["v"] target => "fp" }`, int64(1) << 40, hex.EncodeToString(sum([]byte{0, 0, 0, 0, 0, 1, 0, 0}))},
	}
	for _, tt := range tests {
		f := plugintest.Build(t, plugin.KindFilter, tt.conf).Plugin.(*Filter)
		e := event.FromMap(map[string]any{"v": tt.v})
		f.Filter(e, nil)
		if got, _ := e.GetField("fp"); got != tt.want {
			t.Errorf("%s on %v: %v, want %v", tt.conf, tt.v, got, tt.want)
		}
	}
}
