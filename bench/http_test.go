package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// sendHTTP sends exactly n events, retrying requests answered 429.
func TestSendHTTPCountsAndRetries(t *testing.T) {
	var lines, requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if requests.Add(1)%3 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		lines.Add(int64(bytes.Count(b, []byte{'\n'})))
	}))
	defer srv.Close()
	p := jsonPayload(2500)
	const n = 5432
	st, retries, err := sendHTTP(context.Background(), srv.URL, p, n, 3)
	if err != nil {
		t.Fatal(err)
	}
	if lines.Load() != n {
		t.Errorf("server got %d events, want %d", lines.Load(), n)
	}
	if retries == 0 {
		t.Error("no retries counted")
	}
	if st.Bytes <= 0 || st.Start.IsZero() {
		t.Errorf("stats not filled: %+v", st)
	}
}
