package elasticsearch

import "testing"

func FuzzParseBulkResponse(f *testing.F) {
	f.Add([]byte(`{"took":3,"errors":false,"items":[{"index":{"status":201}}]}`), 1)
	f.Add([]byte(`{"took":3,"ingest_took":1,"errors":true,"items":[{"index":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception"}}}]}`), 2)
	f.Add([]byte(`{"errors":true,"items":[{"index":{"status":429}}]}`), 1)
	f.Add([]byte(`{"errors":true,"items":[{"index":{"status":0}}]}`), 1)
	f.Add([]byte(`{"a":{"errors":false}}`), 3)
	f.Add([]byte(`<html>`), 0)
	f.Fuzz(func(t *testing.T, resp []byte, n int) {
		if n < 0 || n > 1000 {
			return
		}
		res, err := parseBulkResponse(resp, n)
		if err != nil {
			return
		}
		if res == nil {
			if !noErrors(resp) {
				t.Fatal("nil results without errors:false")
			}
			return
		}
		if len(res) != n {
			t.Fatalf("%d results for %d actions", len(res), n)
		}
		for _, r := range res {
			if r.Status < 100 || r.Status > 599 {
				t.Fatalf("status %d accepted", r.Status)
			}
		}
	})
}

func FuzzParseServerInfo(f *testing.F) {
	f.Add([]byte(`{"version":{"number":"7.10.2"}}`))
	f.Add([]byte(`{"version":{"distribution":"opensearch","number":"2.19.1"}}`))
	f.Add([]byte(`{"version":{"number":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		si, err := parseServerInfo(b)
		if err == nil && (si.version == "" || (si.distribution != "elasticsearch" && si.distribution != "opensearch")) {
			t.Fatalf("accepted %q as %+v", b, si)
		}
	})
}
