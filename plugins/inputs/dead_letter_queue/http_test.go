package dead_letter_queue_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
	_ "github.com/sluicelog/sluice/plugins/filters/mutate"
	_ "github.com/sluicelog/sluice/plugins/outputs/http"
	"github.com/sluicelog/sluice/queue/dlq"
)

// The real http output gives up on a 400 and writes the event to the
// pipeline's dead letter queue; a replay pipeline fixes it and the
// server accepts it.
func TestHTTPOutputRejectsThenReplayFixes(t *testing.T) {
	got := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e, err := event.FromJSON(body)
		if err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		m, _ := e.GetField("message")
		if s := fmt.Sprint(m); strings.HasPrefix(s, "bad") {
			http.Error(w, "mapper_parsing_exception", http.StatusBadRequest)
			return
		}
		got <- fmt.Sprint(m)
	}))
	defer srv.Close()
	logger := slog.New(slog.DiscardHandler)
	root := t.TempDir()
	w, err := dlq.Open(dlq.Options{Dir: filepath.Join(root, "main"), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	run := func(id, src string, dl plugin.DeadLetterQueue, ctx context.Context) {
		t.Helper()
		cfg, err := config.ParseString(id+".conf", src)
		if err != nil {
			t.Error(err)
			return
		}
		p, err := pipeline.New(cfg, pipeline.Settings{ID: id, Workers: 1, Logger: logger,
			DataDir: filepath.Join(root, "data"), DeadLetter: dl})
		if err != nil {
			t.Error(err)
			return
		}
		if err := p.Run(ctx); err != nil {
			t.Error(err)
		}
	}
	run("main", fmt.Sprintf(`input { generator { lines => ["good a", "bad b", "good c", "bad d"] count => 1 } }
output { http { url => %q http_method => "post" } }`, srv.URL), w, context.Background())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s := w.Stats(); s.Written != 2 {
		t.Fatalf("dead letters written = %d, want 2", s.Written)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		run("replay", fmt.Sprintf(`input { dead_letter_queue { path => %q } }
filter {
  if [@metadata][dead_letter_queue][reason] =~ /400/ {
    mutate { gsub => ["message", "^bad", "fixed"] }
  }
}
output { http { url => %q http_method => "post" } }`, root, srv.URL), nil, ctx)
	}()
	var accepted []string
	timeout := time.After(20 * time.Second)
wait:
	for len(accepted) < 4 {
		select {
		case m := <-got:
			accepted = append(accepted, m)
		case <-timeout:
			break wait
		}
	}
	cancel()
	<-done
	for len(got) > 0 { // anything more (a duplicate) fails the test
		accepted = append(accepted, <-got)
	}
	sort.Strings(accepted)
	if got := strings.Join(accepted, ","); got != "fixed b,fixed d,good a,good c" {
		t.Errorf("accepted %q", got)
	}
}
