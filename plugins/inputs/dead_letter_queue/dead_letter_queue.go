// Package dead_letter_queue is the dead_letter_queue input: it reads the
// events a pipeline's outputs rejected (see queue/dlq) so that they can be
// fixed and sent again.
package dead_letter_queue

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/queue/dlq"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "dead_letter_queue",
		Summary:     "Reads the events a pipeline's outputs rejected, to fix and replay them.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

const description = "Reads a pipeline's dead letter queue (enabled with `dead_letter_queue.enable: true` in " +
	"`sluice.yml`): the events an output rejected for good, such as the documents Elasticsearch refused " +
	"with a 400 (mapping conflict) or 404. Run it in a second pipeline, fix the events with filters, and " +
	"send them again.\n\n" +
	"Each event comes back as it was written, `@metadata` included, with " +
	"`[@metadata][dead_letter_queue]` added:\n\n" +
	"| field | content |\n" +
	"|---|---|\n" +
	"| `[@metadata][dead_letter_queue][plugin_type]` | the rejecting plugin's name, e.g. `elasticsearch` |\n" +
	"| `[@metadata][dead_letter_queue][plugin_id]` | the rejecting plugin's id |\n" +
	"| `[@metadata][dead_letter_queue][reason]` | why it was rejected (the server's error) |\n" +
	"| `[@metadata][dead_letter_queue][entry_time]` | when it was written to the queue |\n\n" +
	"The input keeps reading while the queue grows: new dead letters are picked up as the writing " +
	"pipeline flushes them (every `dead_letter_queue.flush_interval`). With `commit_offsets` it " +
	"remembers how far it got, but only for events every output of this pipeline acknowledged: after " +
	"a restart or a crash, events that were read but not delivered are read again (at least once).\n\n" +
	"An event that carries `[@metadata][dead_letter_queue]` is not written to a dead letter queue " +
	"again, so a replay pipeline whose output still rejects it cannot loop.\n\n" +
	"### Differences from Logstash\n\n" +
	"- The queue files are Sluice's own format: this input does not read a Logstash dead letter queue, " +
	"and Logstash does not read Sluice's.\n" +
	"- `start_timestamp` skips older entries wherever reading starts (also after a saved position).\n" +
	"- The position file (`sincedb_path`) is JSON."

// batchSize bounds the events pushed at once.
const batchSize = 125

// Input is the dead_letter_queue input.
type Input struct {
	Path           string
	PipelineID     string
	CommitOffsets  bool
	CleanConsumed  bool
	SincedbPath    string
	StartTimestamp string

	dir   string
	start time.Time
	log   *slog.Logger
	poll  time.Duration // how often to look for new dead letters (tests shorten it)

	mu        sync.Mutex
	pending   []pendingPos // read positions not yet committed, in order
	first     uint64       // sequence number of pending[0]
	next      uint64
	committed dlq.Position // the last position saved
}

type pendingPos struct {
	pos   dlq.Position
	acked bool
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
)

// Settings declares the input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.Path(&in.Path, "path", "The dead letter queue directory: `path.dead_letter_queue` of the writing "+
		"Sluice, by default `<path.data>/dead_letter_queue`. The queue read is the `pipeline_id` "+
		"directory inside it.").Required().Example(`"/var/lib/sluice/data/dead_letter_queue"`)
	s.String(&in.PipelineID, "pipeline_id", "The id of the pipeline whose dead letters to read.").Default("main")
	s.Bool(&in.CommitOffsets, "commit_offsets", "Remember how far the input read (in `sincedb_path`), so "+
		"that a restart goes on from there. Set it to false to read the whole queue every time, for "+
		"exploring it.").Default(true)
	s.Bool(&in.CleanConsumed, "clean_consumed", "Delete segment files once every event in them was read "+
		"and acknowledged by this pipeline's outputs. Needs `commit_offsets`.").Default(false)
	s.Path(&in.SincedbPath, "sincedb_path", "The file where the read position is kept. By default a file "+
		"under `<path.data>/plugins/inputs/dead_letter_queue/<pipeline_id>/`, named after `path`. "+
		"It must be a file, not a directory.")
	s.String(&in.StartTimestamp, "start_timestamp", "Skip dead letters written before this time, an "+
		"ISO 8601 timestamp such as `2026-04-04T23:40:37` (UTC unless it has an offset).").
		Example(`"2026-04-04T23:40:37"`)
}

// Init checks the settings.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.poll == 0 {
		in.poll = 500 * time.Millisecond
	}
	if in.CleanConsumed && !in.CommitOffsets {
		return errors.New("clean_consumed needs commit_offsets => true")
	}
	if in.PipelineID == "" {
		return errors.New("pipeline_id is empty")
	}
	in.dir = filepath.Join(in.Path, in.PipelineID)
	if in.StartTimestamp != "" {
		t, err := event.ParseTimestamp(in.StartTimestamp)
		if err != nil {
			return fmt.Errorf("start_timestamp %q: %w", in.StartTimestamp, err)
		}
		in.start = t
	}
	if in.SincedbPath == "" && in.CommitOffsets {
		abs, err := filepath.Abs(in.dir)
		if err != nil {
			abs = in.dir
		}
		h := fnv.New64a()
		h.Write([]byte(abs))
		in.SincedbPath = filepath.Join(ctx.DataDir, "plugins", "inputs", "dead_letter_queue", in.PipelineID,
			fmt.Sprintf(".sincedb_%016x", h.Sum64()))
	}
	if in.SincedbPath != "" {
		if info, err := os.Stat(in.SincedbPath); err == nil && info.IsDir() {
			return fmt.Errorf("sincedb_path %s is a directory; it must name a file", in.SincedbPath)
		}
	}
	return nil
}

// sincedb is the position file's content.
type sincedb struct {
	Version int    `json:"version"`
	Queue   string `json:"queue"`
	Segment uint64 `json:"segment"`
	Offset  int64  `json:"offset"`
}

func (in *Input) loadPosition() dlq.Position {
	if !in.CommitOffsets {
		return dlq.Position{}
	}
	data, err := os.ReadFile(in.SincedbPath)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			in.log.Warn("dead_letter_queue: cannot read the saved position; reading from the start", "sincedb_path", in.SincedbPath, "error", err)
		}
		return dlq.Position{}
	}
	var s sincedb
	if err := json.Unmarshal(data, &s); err != nil || s.Version != 1 {
		in.log.Warn("dead_letter_queue: the saved position is not valid; reading from the start", "sincedb_path", in.SincedbPath, "error", err)
		return dlq.Position{}
	}
	return dlq.Position{Segment: s.Segment, Offset: s.Offset}
}

func (in *Input) savePosition(pos dlq.Position) error {
	data, _ := json.Marshal(sincedb{Version: 1, Queue: in.dir, Segment: pos.Segment, Offset: pos.Offset})
	if err := os.MkdirAll(filepath.Dir(in.SincedbPath), 0o755); err != nil {
		return err
	}
	tmp := in.SincedbPath + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, in.SincedbPath)
}

// Run reads the queue until ctx is cancelled.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	pos := in.loadPosition()
	in.mu.Lock()
	if after(in.committed, pos) {
		pos = in.committed // a restart of Run: the last save may not be read back
	} else if in.CommitOffsets {
		in.committed = pos
	}
	in.mu.Unlock()
	if _, err := os.Stat(in.dir); errors.Is(err, os.ErrNotExist) {
		in.log.Info("dead_letter_queue: the queue directory does not exist yet; waiting for it", "path", in.dir)
	}
	r := dlq.NewReader(in.dir, pos, in.log, in.poll)
	defer r.Close()
	batch := make([]*event.Event, 0, batchSize)
	for {
		en, err := r.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("dead_letter_queue: %w", err)
		}
		batch = batch[:0]
		for {
			if e := in.toEvent(&en); e != nil {
				batch = append(batch, e)
			}
			if len(batch) == batchSize {
				break
			}
			en, err = r.TryNext()
			if errors.Is(err, dlq.ErrNoData) {
				break
			}
			if err != nil {
				return fmt.Errorf("dead_letter_queue: %w", err)
			}
		}
		seq := in.track(r.Position())
		if len(batch) == 0 {
			in.ack(seq)
			continue
		}
		if err := q.Push(ctx, batch, func() { in.ack(seq) }); err != nil {
			return nil // stopping: the batch is read again next time
		}
	}
}

// toEvent turns an entry into its event, nil when it is skipped.
func (in *Input) toEvent(en *dlq.Entry) *event.Event {
	if !in.start.IsZero() && en.Time.Before(in.start) {
		return nil
	}
	e, err := event.FromJSON(en.Event)
	if err != nil {
		in.log.Warn("dead_letter_queue: skipping an entry whose event is not valid JSON", "error", err,
			"plugin_id", en.PluginID, "entry_time", en.Time)
		return nil
	}
	e.Metadata()[dlq.MetadataKey] = map[string]any{
		"plugin_type": en.PluginType,
		"plugin_id":   en.PluginID,
		"reason":      en.Reason,
		"entry_time":  en.Time,
	}
	return e
}

// after reports whether a is later in the queue than b.
func after(a, b dlq.Position) bool {
	return a.Segment > b.Segment || (a.Segment == b.Segment && a.Offset > b.Offset)
}

// track records a read position to commit once acknowledged.
func (in *Input) track(pos dlq.Position) uint64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	seq := in.next
	in.next++
	in.pending = append(in.pending, pendingPos{pos: pos})
	return seq
}

// ack marks the push seq delivered and commits the position up to which
// everything was.
func (in *Input) ack(seq uint64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.pending[seq-in.first].acked = true
	var commit *dlq.Position
	for len(in.pending) > 0 && in.pending[0].acked {
		p := in.pending[0].pos
		commit = &p
		in.pending = in.pending[1:]
		in.first++
	}
	// A restarted Run reads again from the last commit: acks of the first
	// run's reads must not move the position back.
	if commit == nil || !in.CommitOffsets || !after(*commit, in.committed) {
		return
	}
	in.committed = *commit
	if err := in.savePosition(*commit); err != nil {
		in.log.Warn("dead_letter_queue: cannot save the read position", "sincedb_path", in.SincedbPath, "error", err)
		return
	}
	if in.CleanConsumed {
		segs, err := dlq.Segments(in.dir)
		if err != nil {
			return
		}
		for _, s := range segs {
			if s >= commit.Segment {
				break
			}
			if err := dlq.RemoveSegment(in.dir, s); err != nil {
				in.log.Warn("dead_letter_queue: cannot delete a consumed segment", "segment", s, "error", err)
			} else {
				in.log.Debug("dead_letter_queue: deleted a consumed segment", "segment", s)
			}
		}
	}
}
