package null_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
	_ "github.com/sluicelog/sluice/plugins/all"
)

// The null output counts every event as delivered: a finite generator
// pipeline drains through it and reports all events out.
func TestNullDeliversEverything(t *testing.T) {
	cfg, err := config.ParseString("t.conf", `input { generator { count => 1000 } } output { null { } }`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pipeline.New(cfg, pipeline.Settings{Workers: 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.In != 1000 || st.Out != 1000 {
		t.Fatalf("stats %+v, want 1000 in and out", st)
	}
}

func TestNullHasNoSettings(t *testing.T) {
	cfg, _ := config.ParseString("t.conf", `input { generator { count => 1 } } output { null { path => "x" } }`)
	if _, err := pipeline.New(cfg, pipeline.Settings{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err == nil {
		t.Fatal("unknown setting accepted")
	}
}
