package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

// countQueue acknowledges every push at once and counts events.
type countQueue struct {
	n    atomic.Int64
	want int64
	done chan struct{}
}

func (q *countQueue) Push(_ context.Context, evs []*event.Event, ack func()) error {
	if q.n.Add(int64(len(evs))) >= q.want {
		select {
		case <-q.done:
		default:
			close(q.done)
		}
	}
	if ack != nil {
		ack()
	}
	return nil
}

// BenchmarkReadFile reads one file of Apache-like lines through the file
// input (line codec, fields set) per iteration.
func BenchmarkReadFile(b *testing.B) {
	const lines = 200_000
	dir := b.TempDir()
	path := filepath.Join(dir, "big.log")
	var sb strings.Builder
	for i := range lines {
		fmt.Fprintf(&sb, `83.149.9.%d - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh)" %d`+"\n", i%256, i)
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		inst := plugintest.Build(b, plugin.KindInput, fmt.Sprintf(`file { path => %q mode => read start_position => beginning
			sincedb_path => %q file_completed_action => log file_completed_log_path => %q }`,
			path, filepath.Join(dir, fmt.Sprintf("r%d.json", i)), filepath.Join(dir, "done.txt")))
		in := inst.Plugin.(*Input)
		q := &countQueue{want: lines, done: make(chan struct{})}
		if err := in.Open(context.Background()); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		finished := make(chan error, 1)
		go func() { finished <- in.Run(ctx, q) }()
		<-q.done
		cancel()
		<-finished
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}
