package event

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestJSONSharerSameAsDecodeJSON decodes streams of documents with a
// JSONSharer and checks every event against FromMap of DecodeJSON's map;
// after each comparison it changes the shared objects of the event, which
// must not reach the next events.
func TestJSONSharerSameAsDecodeJSON(t *testing.T) {
	agent := `{"name":"web-1","type":"filebeat","version":"8.15.0"}`
	parts := []func(i int) string{
		func(int) string { return `"agent":` + agent },
		func(int) string { return `"ecs":{"version":"8.0.0"}` },
		func(i int) string { return fmt.Sprintf(`"log":{"offset":%d,"file":{"path":"/var/log/a.log"}}`, i*100) },
		func(i int) string { return fmt.Sprintf(`"host":{"name":"h%d"}`, i/50) }, // changes now and then
		func(int) string { return `"input":{"type":"filestream"}` },
		func(int) string { return `"agent":{"name":"other"}` }, // a repeated key: the last wins
		func(int) string { return `"agent" : ` + agent },       // the same object, other spacing
		func(int) string { return `"event":{"dataset":"x"}` },  // excepted
		func(int) string { return `"@metadata":{"beat":"filebeat","version":"8.15.0"}` },
		func(int) string { return `"tags":{"odd":"object"}` },
		func(int) string { return `"_@timestamp":{"x":1}` },
		func(int) string { return `"deep":{"a":[1,{"b":[true,null,"s"]}],"c":{}}` },
		func(int) string { return `"empty":{}` },
		func(int) string { return `"scalar":"text"` },
		func(i int) string { return fmt.Sprintf(`"message":"line %d"`, i) },
	}
	r := rand.New(rand.NewPCG(3, 4))
	for stream := range 30 {
		s := NewJSONSharer("event")
		// Each stream has its own usual shape, sometimes varied.
		shape := r.Perm(len(parts))[:3+r.IntN(6)]
		for i := range 300 {
			members := []string{`"@timestamp":"2026-11-24T10:00:00.000Z"`}
			for _, j := range shape {
				if r.IntN(20) > 0 {
					members = append(members, parts[j](i))
				}
			}
			if r.IntN(30) == 0 {
				members = append(members, parts[r.IntN(len(parts))](i))
			}
			if r.IntN(2) == 0 {
				slices := members[1:]
				r.Shuffle(len(slices), func(a, b int) { slices[a], slices[b] = slices[b], slices[a] })
			}
			doc := "{" + strings.Join(members, ",") + "}"
			switch r.IntN(100) {
			case 0:
				doc = doc[:len(doc)-1] // truncated: an error
			case 1:
				doc += "}" // trailing data: an error
			case 2:
				doc = "[" + doc + "]" // not an object
			case 3:
				doc = "\xEF\xBB\xBF " + doc
			}
			wantM, wantErr := DecodeJSON([]byte(doc))
			m, p, err := s.Decode([]byte(doc))
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("stream %d doc %d %s: error %v, want %v", stream, i, doc, err, wantErr)
			}
			if err != nil {
				continue
			}
			want := FromMap(wantM)
			got := FromMap(m)
			if p != nil {
				got.ApplyPatch(p)
			}
			if a, b := state(got), state(want); a != b {
				t.Fatalf("stream %d doc %d %s:\ngot  %s\nwant %s", stream, i, doc, a, b)
			}
			// Change what the event shares: later events must not see it.
			_ = got.Set(MustRef("[agent][name]"), "changed")
			if v, ok := got.Get(MustRef("[ecs]")); ok {
				if mm, ok := v.(map[string]any); ok {
					mm["version"] = "changed"
				}
			}
			if v, ok := got.Get(MustRef("[deep][a][1][b]")); ok {
				v.([]any)[0] = "changed"
			}
		}
	}
}

// TestJSONSharerShares checks that repeated objects are in fact shared
// and that a changing object stops being looked for.
func TestJSONSharerShares(t *testing.T) {
	s := NewJSONSharer()
	var last *Patch
	for i := range 20 {
		doc := fmt.Sprintf(`{"agent":{"name":"a"},"log":{"offset":%d},"message":"m"}`, i)
		m, p, err := s.Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m["log"]; !ok {
			t.Fatalf("doc %d: log missing from the map", i)
		}
		if i == 0 {
			if p != nil {
				t.Fatal("first document: nothing can be shared yet")
			}
			continue
		}
		if _, ok := m["agent"]; ok || p == nil {
			t.Fatalf("doc %d: agent not shared", i)
		}
		if last != nil && p != last {
			t.Errorf("doc %d: a new patch for the same objects", i)
		}
		last = p
	}
	if ent := s.ents["log"]; ent == nil || ent.paused <= s.docs {
		t.Errorf("log, which changes every time, is still looked for: %+v", ent)
	}
}

func BenchmarkJSONSharerBeatsDoc(b *testing.B) {
	doc := []byte(`{"@metadata":{"beat":"filebeat","type":"_doc","version":"0.1.0-dev"},"@timestamp":"2026-11-24T08:21:44.123Z","agent":{"name":"bench","type":"filebeat","version":"0.1.0-dev"},"ecs":{"version":"8.0.0"},"host":{"hostname":"vm"},"input":{"type":"filestream"},"message":`)
	doc = AppendJSONString(doc, benchAccessLine)
	doc = append(doc, '}')
	b.Run("DecodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			m, err := DecodeJSON(doc)
			if err != nil {
				b.Fatal(err)
			}
			FromMap(m)
		}
	})
	b.Run("JSONSharer", func(b *testing.B) {
		s := NewJSONSharer()
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			m, p, err := s.Decode(doc)
			if err != nil {
				b.Fatal(err)
			}
			e := FromMap(m)
			if p != nil {
				e.ApplyPatch(p)
			}
		}
	})
}

// FuzzJSONSharer decodes the documents of the input (one a line, each
// decoded twice so that its objects are seen again) with a JSONSharer and
// compares every event with FromMap of DecodeJSON's map.
func FuzzJSONSharer(f *testing.F) {
	for _, s := range []string{
		`{"@timestamp":"2026-11-24T10:00:00.000Z","agent":{"name":"a"},"log":{"offset":1},"message":"m"}` + "\n" +
			`{"@timestamp":"2026-11-24T10:00:00.000Z","agent":{"name":"a"},"log":{"offset":2},"message":"m"}`,
		`{"a":{"b":1},"a":{"b":2}}`,
		`{"a":{"b":1}}` + "\n" + `{"a":{"b":1}}}`,
		`{"a":{"b":1}}` + "\n" + `{"a":{"b":1},"a":3}`,
		`{"tags":{"x":1},"@metadata":{"beat":"b"},"event":{"original":"o"}}`,
		`{"a":{}}` + "\n" + `[{"a":{}}]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		s := NewJSONSharer("event")
		for _, line := range strings.Split(data, "\n") {
			for range 2 {
				wantM, wantErr := DecodeJSON([]byte(line))
				m, p, err := s.Decode([]byte(line))
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("%q: error %v, want %v", line, err, wantErr)
				}
				if err != nil {
					continue
				}
				got, want := FromMap(m), FromMap(wantM)
				if p != nil {
					got.ApplyPatch(p)
				}
				// A missing or bad @timestamp becomes now: the same for both.
				got.SetTimestamp(patchTime)
				want.SetTimestamp(patchTime)
				if a, b := state(got), state(want); a != b {
					t.Fatalf("%q:\ngot  %s\nwant %s", line, a, b)
				}
			}
		}
	})
}

// TestJSONSharerAlternatingShapes: documents of two shapes that alternate
// reuse their two patches.
func TestJSONSharerAlternatingShapes(t *testing.T) {
	s := NewJSONSharer()
	docs := []string{
		`{"agent":{"name":"a"},"host":{"name":"h"},"message":"1"}`,
		`{"agent":{"name":"a"},"message":"2"}`,
	}
	patches := map[*Patch]bool{}
	for i := range 20 {
		m, p, err := s.Decode([]byte(docs[i%2]))
		if err != nil {
			t.Fatal(err)
		}
		if i >= 2 {
			if p == nil || len(m) != 1 {
				t.Fatalf("doc %d: %v shared by %v", i, m, p)
			}
			patches[p] = true
		}
	}
	if len(patches) != 2 {
		t.Errorf("%d patches made for 2 shapes", len(patches))
	}
}
