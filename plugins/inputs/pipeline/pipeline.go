// Package pipeline is the pipeline input: it receives the events other
// pipelines of the same Sluice process send to its virtual address with
// the pipeline output.
package pipeline

import (
	"context"
	_ "embed"
	"errors"
	"sync"

	"github.com/sluicelog/sluice/internal/pipebus"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "pipeline",
		Summary:     "Receives events from other pipelines of the same process (pipeline-to-pipeline).",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{bus: pipebus.Default} },
	})
}

const description = "Listens on a virtual `address`, a name shared by every pipeline of the process (see " +
	"`pipelines.yml`); the `pipeline` output of another pipeline sends to it with `send_to`. Events cross " +
	"in memory, as copies, with their metadata.\n\n" +
	"Acknowledgements run end to end: the sending pipeline counts its events delivered only once this " +
	"pipeline delivered them through its own outputs, so a beats or http input upstream acknowledges its " +
	"client only then. While this pipeline reloads, its address has no listener for a moment: senders with " +
	"`ensure_delivery => true` wait, the others drop and count.\n\n" +
	"One address has one listener: a second pipeline listening on a taken address fails its input (logged, " +
	"retried with backoff) until the address is free.\n\n" +
	"### Differences from Logstash\n\n" +
	"- Addresses are checked when the input starts, not when the pipelines are compiled."

// Input is the pipeline input.
type Input struct {
	Address string

	bus        *pipebus.Bus
	pipelineID string
	mu         sync.Mutex
	listeners  []*pipebus.Listener
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the pipeline input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.String(&in.Address, "address", "The virtual address this pipeline receives on; `pipeline` outputs name it in `send_to`. Unique in the process.").Required().Example(`"weblogs"`)
}

// Init checks the address.
func (in *Input) Init(ctx *plugin.Context) error {
	if in.Address == "" {
		return errors.New("address must not be empty")
	}
	in.pipelineID = ctx.PipelineID
	return nil
}

// Run listens on the address until ctx is done.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	l, err := in.bus.Listen(in.Address, in.pipelineID, q.Push)
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.listeners = append(in.listeners, l)
	in.mu.Unlock()
	<-ctx.Done()
	l.Unlisten()
	return nil
}

// Close runs once the pipeline delivered what it accepted: senders still
// waiting on this pipeline are released to retry elsewhere.
func (in *Input) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, l := range in.listeners {
		l.Close()
	}
	in.listeners = nil
	return nil
}
