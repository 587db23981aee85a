// Package stdin is the stdin input: it reads events from the standard
// input until it ends, for batch jobs such as
// `sluice serve -f pipeline.conf < access.log`.
package stdin

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "stdin",
		Summary:     "Reads events from the standard input.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Reads the standard input and decodes it with the codec: one event per line by default " +
	"(`line`). Use `json_lines` for newline-delimited JSON, or `multiline` to join lines (its " +
	"`auto_flush_interval` is honoured: the pending event is delivered once the input was idle that long).\n\n" +
	"When the input ends (end of file, or Ctrl-D on a terminal) the input is done; once every input " +
	"is done the pipeline delivers what it holds and `sluice serve` exits. This makes batch jobs simple: " +
	"`sluice serve -f pipeline.conf < access.log`.\n\n" +
	"Each event gets the name of the machine Sluice runs on in `host` (ECS disabled) or " +
	"`[host][hostname]` (ECS `v1`, `v8`), unless it already has that field.\n\n" +
	"### Differences from Logstash\n\n" +
	"- On shutdown (Ctrl-C) the input stops at once even while a read from the standard input is " +
	"blocked: the blocked read is abandoned (the process exits soon after), and a last line without " +
	"a newline that was still being read is not delivered.\n" +
	"- In ECS mode Logstash copies the raw chunk it read into `[event][original]` when the codec did " +
	"not set it; Sluice leaves `[event][original]` to the codec."

// readSize is the size of one read from the standard input.
const readSize = 64 << 10

// Input is the stdin input.
type Input struct {
	Codec plugin.Codec

	log       *slog.Logger
	hostField event.Ref
	host      any
	// reader is the standard input, or what a test gives instead.
	reader io.Reader
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
)

// Settings declares the stdin input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.Codec(&in.Codec, "codec", "The codec that decodes the standard input into events.").Default("line")
}

// Init looks up the host name.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	name, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	in.host = name
	in.hostField = event.MustRef("host")
	if ctx.ECS() {
		in.hostField = event.MustRef("[host][hostname]")
	}
	return nil
}

// Run reads the standard input until it ends, then returns nil. When ctx
// ends first, Run returns nil at once; a read that is blocked then is
// abandoned (a blocking read of a terminal or pipe cannot be interrupted).
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	r := in.reader
	if r == nil {
		r = os.Stdin
		if st, err := os.Stdin.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			in.log.Info("the stdin input is waiting for input (end it with Ctrl-D)")
		}
	}
	done := make(chan error, 1)
	go func() { done <- in.read(ctx, q, r) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return nil
	}
}

// decorate sets the host field unless the event has it.
func (in *Input) decorate(e *event.Event) {
	if v, ok := e.Get(in.hostField); !ok || v == nil {
		_ = e.Set(in.hostField, in.host)
	}
}

func (in *Input) read(ctx context.Context, q plugin.Queue, r io.Reader) error {
	dec := plugin.NewStreamDecoder(in.Codec, plugin.DecoderOptions{Logger: in.log})
	var batch []*event.Event
	emit := func(e *event.Event) {
		in.decorate(e)
		batch = append(batch, e)
	}
	push := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := q.Push(ctx, batch, nil)
		clear(batch)
		batch = batch[:0]
		return err
	}
	if f, ok := dec.(plugin.IdleFlusher); ok && f.IdleFlushInterval() > 0 {
		return in.readIdle(ctx, r, f.IdleFlushInterval(), dec, emit, push)
	}
	buf := make([]byte, readSize)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			dec.Decode(buf[:n], emit)
			if perr := push(); perr != nil {
				return nil // ctx ended: shutting down
			}
		}
		if err != nil {
			dec.Flush(emit)
			if perr := push(); perr != nil {
				return nil
			}
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("stdin: read: %w", err)
		}
	}
}

// readIdle is read's loop for a decoder that holds data back (multiline):
// reads happen in a goroutine, and the decoder is flushed once no bytes
// arrived for idle.
func (in *Input) readIdle(ctx context.Context, r io.Reader, idle time.Duration, dec plugin.Decoder,
	emit func(*event.Event), push func() error) error {
	type result struct {
		n   int
		err error
	}
	results := make(chan result)
	again := make(chan struct{})
	buf := make([]byte, readSize)
	go func() {
		for {
			n, err := r.Read(buf)
			select {
			case results <- result{n, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			select {
			case <-again: // buf was consumed
			case <-ctx.Done():
				return
			}
		}
	}()
	timer := time.NewTimer(idle)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
			dec.Flush(emit)
			if push() != nil {
				return nil
			}
		case res := <-results:
			if res.n > 0 {
				dec.Decode(buf[:res.n], emit)
				timer.Reset(idle)
			}
			if res.err != nil {
				timer.Stop()
				dec.Flush(emit)
				if push() != nil {
					return nil
				}
				if errors.Is(res.err, io.EOF) || errors.Is(res.err, os.ErrClosed) {
					return nil
				}
				return fmt.Errorf("stdin: read: %w", res.err)
			}
			if push() != nil {
				return nil
			}
			select {
			case again <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
	}
}
