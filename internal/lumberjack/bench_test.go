package lumberjack

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

func BenchmarkDecodeCompressed(b *testing.B) {
	var inner []byte
	for i := range 2048 {
		inner = AppendJSON(inner, uint32(i+1), fmt.Appendf(nil, `{"@timestamp":"2026-11-24T05:31:46.123Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.15.0"},"message":"GET /api/v1/items?page=%d 200 in 12ms","log":{"offset":%d,"file":{"path":"/var/log/app.log"}},"agent":{"type":"filebeat","name":"web-7","version":"8.15.0"},"host":{"name":"web-7"}}`, i, i*97))
	}
	data, _ := AppendCompressed(AppendWindow(nil, V2, 2048), V2, 3, inner)
	b.SetBytes(int64(len(inner)))
	b.ReportAllocs()
	r := bytes.NewReader(data)
	d := NewDecoder(r, Limits{})
	for b.Loop() {
		r.Reset(data)
		d.base.Reset(r)
		for {
			if _, err := d.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
