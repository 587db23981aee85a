// Package generator is the generator input: it makes events from fixed
// lines, for tests, demos and benchmarks.
package generator

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "generator",
		Summary:     "Generates events from fixed lines, for tests and benchmarks.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Emits `message` (or each of `lines`, in order) again and again, decoded by the codec " +
	"(`plain`: the line is the event's `message`). With `count` set, every line is emitted `count` times " +
	"and the input is done; once every input is done the pipeline delivers what it holds and stops. " +
	"With `count => 0` it runs until shutdown, as fast as the pipeline takes events: a load source for " +
	"measuring filters and outputs.\n\n" +
	"| ECS disabled | ECS `v1`, `v8` | |\n" +
	"|---|---|---|\n" +
	"| `host` | `[host][name]` | the name of the machine Sluice runs on (unless the event has it) |\n" +
	"| `sequence` | `[event][sequence]` | the pass number: 0 for the first time through `lines`, 1 for the second, ... |\n\n" +
	"### Differences from Logstash\n\n" +
	"- Each line is decoded as a whole message (a line codec does not join the lines).\n" +
	"- `message => \"stdin\"` reads one line from the standard input without its trailing newline."

// batchSize is the number of events pushed at once.
const batchSize = 125

// Input is the generator input.
type Input struct {
	Message string
	Lines   []string
	Count   int
	Threads int
	Codec   plugin.Codec

	linesSetting, messageSetting *plugin.Setting

	log           *slog.Logger
	hostField     event.Ref
	sequenceField event.Ref
	host          any
	stdin         io.Reader // os.Stdin unless a test sets it
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
)

// Settings declares the generator's settings.
func (in *Input) Settings(s *plugin.Settings) {
	in.messageSetting = s.String(&in.Message, "message", "The line to emit. The special value `stdin` reads one line from the standard input and emits that.").Default("Hello world!")
	in.linesSetting = s.Strings(&in.Lines, "lines", "Lines to emit in order, instead of `message`.").Example(`["line 1", "line 2", "line 3"]`)
	s.Int(&in.Count, "count", "How many times to emit the lines; 0 means without end.").Default(0)
	s.Int(&in.Threads, "threads", "Goroutines generating events; each one emits `count` times every line.").Default(1)
	s.Codec(&in.Codec, "codec", "The codec that decodes each line into an event.").Default("plain")
}

// Init checks the settings and looks up the host name.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	if in.Count < 0 {
		return fmt.Errorf("count must be >= 0, got %d", in.Count)
	}
	if in.Threads < 1 {
		return fmt.Errorf("threads must be at least 1, got %d", in.Threads)
	}
	if in.linesSetting.Set && len(in.Lines) == 0 {
		return errors.New("lines is empty")
	}
	if in.linesSetting.Set && in.messageSetting.Set {
		in.log.Warn("both lines and message are set: message is ignored")
	}
	name, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	in.host = name
	if ctx.ECS() {
		in.hostField, in.sequenceField = event.MustRef("[host][name]"), event.MustRef("[event][sequence]")
	} else {
		in.hostField, in.sequenceField = event.MustRef("host"), event.MustRef("sequence")
	}
	return nil
}

// Run emits the events and returns nil when done or when ctx ends.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	lines := in.Lines
	if !in.linesSetting.Set {
		msg := in.Message
		if msg == "stdin" {
			var err error
			if msg, err = in.readStdin(ctx); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return nil
			}
		}
		lines = []string{msg}
	}
	raw := make([][]byte, len(lines))
	for i, l := range lines {
		raw[i] = []byte(l)
	}
	var wg sync.WaitGroup
	for range in.Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.generate(ctx, q, raw)
		}()
	}
	wg.Wait()
	return nil
}

func (in *Input) readStdin(ctx context.Context) (string, error) {
	r := in.stdin
	if r == nil {
		r = os.Stdin
	}
	in.log.Info("reading the message from the standard input")
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := bufio.NewReader(r).ReadString('\n')
		if err == io.EOF && line != "" {
			err = nil
		}
		done <- result{strings.TrimRight(line, "\r\n"), err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			return "", fmt.Errorf("generator: read the message from stdin: %w", res.err)
		}
		return res.line, nil
	case <-ctx.Done():
		return "", nil
	}
}

func (in *Input) generate(ctx context.Context, q plugin.Queue, lines [][]byte) {
	dec := in.Codec.NewDecoder(plugin.DecoderOptions{Logger: in.log})
	batch := make([]*event.Event, 0, batchSize+len(lines))
	var seq any
	emit := func(e *event.Event) {
		if v, ok := e.Get(in.hostField); !ok || v == nil {
			_ = e.Set(in.hostField, in.host)
		}
		_ = e.Set(in.sequenceField, seq)
		batch = append(batch, e)
	}
	push := func() bool {
		if ctx.Err() != nil {
			return false
		}
		err := q.Push(ctx, batch, nil)
		clear(batch)
		batch = batch[:0]
		return err == nil
	}
	for n := int64(0); in.Count == 0 || n < int64(in.Count); n++ {
		seq = n
		for _, l := range lines {
			plugin.DecodeMessage(dec, l, emit)
		}
		if len(batch) >= batchSize {
			if !push() {
				return
			}
		}
	}
	if len(batch) > 0 {
		push()
	}
}
