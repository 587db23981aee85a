package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// midSizeConfig is the corpus files (default escapes) joined: about 15 KB
// of realistic pipelines, the size of a large production configuration.
func midSizeConfig(tb testing.TB) []byte {
	files, err := filepath.Glob("testdata/corpus/*.conf")
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	for _, f := range files {
		if corpusOptions(f).SupportEscapes {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(src)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func BenchmarkParse(b *testing.B) {
	src := midSizeConfig(b)
	if _, err := Parse("bench.conf", src); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("bench.conf", src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormat(b *testing.B) {
	p, err := Parse("bench.conf", midSizeConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Format(p)
	}
}
