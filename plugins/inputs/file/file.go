// Package file is the file input: it tails (or reads once) files matched
// by globs, survives rotation of every common kind and saves how far each
// file was read only once the events were delivered (see package shipper).
package file

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/shipper"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:        plugin.KindInput,
		Name:        "file",
		Summary:     "Tails or reads files, following rotation, with offsets saved after delivery.",
		Description: description,
		Example:     example,
		New:         func() plugin.Plugin { return &Input{} },
	})
}

// Input is the file input.
type Input struct {
	Path                 []string
	Exclude              []string
	ExcludeFiles         []string
	IncludeLines         []string
	ExcludeLines         []string
	StartPosition        string
	Mode                 string
	SincedbPath          string
	SincedbWriteInterval time.Duration
	StatInterval         time.Duration
	DiscoverInterval     time.Duration
	IgnoreOlder          time.Duration
	CloseOlder           time.Duration
	MaxOpenFiles         int
	CleanRemoved         bool
	SincedbCleanAfter    string
	FileIdentity         string
	FingerprintLength    int
	MaxBytes             int64
	Delimiter            string
	Codec                plugin.Codec
	CompletedAction      string
	CompletedLogPath     string

	log          *slog.Logger
	ecs          bool
	host         string
	pathRef      event.Ref
	hostRef      event.Ref
	offsetRef    event.Ref
	flagsRef     event.Ref
	includeLines []*regexp.Regexp
	excludeLines []*regexp.Regexp
	excludeFiles []*regexp.Regexp
	idle         time.Duration
	holds        bool
	paths        []string
	registryPath string
	cleanAfter   time.Duration

	ship     *shipper.Shipper
	q        plugin.Queue
	logMu    sync.Mutex
	disableN bool // tests: polling only
}

var (
	_ plugin.Input       = (*Input)(nil)
	_ plugin.Initializer = (*Input)(nil)
	_ plugin.Opener      = (*Input)(nil)
	_ plugin.Closer      = (*Input)(nil)
)

// Settings declares the file input's settings.
func (in *Input) Settings(s *plugin.Settings) {
	s.Strings(&in.Path, "path", "Files to read: glob patterns of absolute paths, e.g. `\"/var/log/app/*.log\"`. "+
		"`*`, `?` and `[...]` match within a name; a `**` segment matches any number of directories (as in Filebeat).").
		Required().Example(`["/var/log/app/*.log", "/srv/**/*.log"]`)
	s.Strings(&in.Exclude, "exclude", "Globs matched against a file's base name (not its path); matching files are not read, e.g. `\"*.gz\"`.").
		Default([]string{})
	s.Strings(&in.ExcludeFiles, "exclude_files", "Regular expressions matched against a file's full path; matching files are not read (Filebeat's `exclude_files`). Sluice only.").
		Default([]string{})
	s.Strings(&in.IncludeLines, "include_lines", "Regular expressions: when set, only events whose message matches one of them are sent (applied after the codec, so to whole multiline events, as Filebeat). Sluice only.").
		Default([]string{})
	s.Strings(&in.ExcludeLines, "exclude_lines", "Regular expressions: events whose message matches one of them are dropped (applied after `include_lines`, as Filebeat). Sluice only.").
		Default([]string{})
	s.String(&in.StartPosition, "start_position", "Where to start reading the files already there at the input's very first start (no registry yet): `beginning`, or `end` (as `tail -f`). "+
		"Files that appear later — while running, or while Sluice was stopped — are read from their beginning, so no line written after the first start is skipped; files known to the registry resume from their saved offset.").
		Default("end").Enum("beginning", "end")
	s.String(&in.Mode, "mode", "`tail` follows files as they grow and rotate; `read` reads each file once to its end (a last line without a newline included) and then applies `file_completed_action`.").
		Default("tail").Enum("tail", "read")
	s.Path(&in.SincedbPath, "sincedb_path", "The registry file where acknowledged offsets are kept (Logstash's sincedb; a JSON document, see the description). "+
		"Default: `<path.data>/plugins/inputs/file/<pipeline id>.<plugin id>.registry.json`; without an explicit `id`, a hash of the `path` patterns stands for the id (as Logstash names its sincedb files), so adding or reordering inputs does not mix registries up.")
	s.Seconds(&in.SincedbWriteInterval, "sincedb_write_interval", "How often acknowledged offsets are written to the registry (atomically). A crash repeats at most the lines acknowledged since the last write.").
		Default(time.Second)
	s.Seconds(&in.StatInterval, "stat_interval", "How often an open file is checked for new bytes, truncation and deletion when no file notification (inotify) arrived: the polling safety net.").
		Default(time.Second)
	s.Seconds(&in.DiscoverInterval, "discover_interval", "How often, in seconds, the `path` globs are expanded to find new files without a notification (Filebeat's `prospector.scanner.check_interval`). In Logstash it is a multiple of `stat_interval`.").
		Default(15 * time.Second)
	s.Seconds(&in.IgnoreOlder, "ignore_older", "Skip files not modified for this many seconds (they are read again if they change). 0 turns it off.").
		Default(time.Duration(0))
	s.Seconds(&in.CloseOlder, "close_older", "Close a file after this many seconds without new bytes (it is opened again when it grows). A last line without a newline is sent at that moment (tail mode). Filebeat's `close.on_state_change.inactive`.").
		Default(time.Hour)
	s.Int(&in.MaxOpenFiles, "max_open_files", "Most files open at once (Filebeat's `harvester_limit`). When more files have data, files at their end are closed to make room, so every file progresses with bounded file descriptors.").
		Default(4095)
	s.Bool(&in.CleanRemoved, "clean_removed", "Forget the registry entry of a file once it is gone from the disk under its last known name. Sluice only (Filebeat's `clean_removed`).").
		Default(true)
	s.String(&in.SincedbCleanAfter, "sincedb_clean_after", "Forget the registry entry of a file that no scan saw for this long: neither matched by `path` nor present under the name the registry knows "+
		"(files still there keep their entry however old). A number is days (`0.5` is 12 hours, as in Logstash), or a number and a unit: "+
		"`\"36 hours\"`, `\"2 weeks\"` (`s`, `m`, `h`, `d`, `w` and their long forms). `0` keeps entries for ever.").
		Default("2 weeks")
	s.String(&in.FileIdentity, "file_identity", "How a file is recognised across renames and restarts: `fingerprint` (a SHA-256 of its first `fingerprint_length` bytes, Filebeat's default; immune to inode reuse) or `native` (device and inode). Sluice only.").
		Default(shipper.IdentityFingerprint).Enum(shipper.IdentityFingerprint, shipper.IdentityNative)
	s.Int(&in.FingerprintLength, "fingerprint_length", "Bytes hashed for the `fingerprint` identity. Files shorter than that are identified by the bytes they have so far, the fingerprint growing with them. Sluice only.").
		Default(shipper.DefaultFingerprintLength)
	s.Bytes(&in.MaxBytes, "max_bytes", "Longest line kept, e.g. `\"10MiB\"`: a longer line is cut to this size, the rest skipped, and the event flagged `[log][flags]: [\"truncated\"]` as in Filebeat (never dropped). Sluice only (Filebeat's `message_max_bytes`).").
		Default(int64(10 << 20))
	s.String(&in.Delimiter, "delimiter", "What ends a line in the files.").Default("\n")
	s.Codec(&in.Codec, "codec", "The codec applied to each line: `line` by default; `json_lines` for NDJSON logs; `multiline` to join lines (it is flushed after its idle interval).").
		Default("line")
	s.String(&in.CompletedAction, "file_completed_action", "Read mode: what to do with a file once all its lines were delivered (acknowledged): `delete` it, `log` its path to `file_completed_log_path`, or `log_and_delete`.").
		Default("delete").Enum("delete", "log", "log_and_delete")
	s.Path(&in.CompletedLogPath, "file_completed_log_path", "Read mode: the file that completed files' paths are appended to (with `log` or `log_and_delete`).")
}

// Init checks the settings.
func (in *Input) Init(ctx *plugin.Context) error {
	in.log = ctx.Logger
	if in.log == nil {
		in.log = slog.Default()
	}
	for _, p := range in.Path {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("path %q must be absolute (as in Logstash)", p)
		}
		if err := shipper.ValidateGlob(p); err != nil {
			return fmt.Errorf("path %q: %w", p, err)
		}
		in.paths = append(in.paths, filepath.Clean(p))
	}
	for _, g := range in.Exclude {
		if _, err := filepath.Match(g, ""); err != nil {
			return fmt.Errorf("exclude %q: %w", g, err)
		}
	}
	var err error
	if in.excludeFiles, err = compileAll("exclude_files", in.ExcludeFiles); err != nil {
		return err
	}
	if in.includeLines, err = compileAll("include_lines", in.IncludeLines); err != nil {
		return err
	}
	if in.excludeLines, err = compileAll("exclude_lines", in.ExcludeLines); err != nil {
		return err
	}
	if in.Delimiter == "" {
		return errors.New("delimiter must not be empty")
	}
	if in.MaxBytes <= 0 || in.MaxBytes > 1<<30 {
		return fmt.Errorf("max_bytes must be between 1 and 1GiB, got %d", in.MaxBytes)
	}
	if in.FingerprintLength < 1 || in.FingerprintLength > 64<<10 {
		return fmt.Errorf("fingerprint_length must be between 1 and 65536, got %d", in.FingerprintLength)
	}
	if in.MaxOpenFiles < 1 {
		return fmt.Errorf("max_open_files must be at least 1, got %d", in.MaxOpenFiles)
	}
	if in.Mode == "read" && in.CompletedAction != "delete" && in.CompletedLogPath == "" {
		return fmt.Errorf("file_completed_action %q needs file_completed_log_path", in.CompletedAction)
	}
	if in.cleanAfter, err = parseCleanAfter(in.SincedbCleanAfter); err != nil {
		return fmt.Errorf("sincedb_clean_after: %w", err)
	}
	in.registryPath = in.SincedbPath
	if in.registryPath == "" {
		in.registryPath = filepath.Join(ctx.DataDir, "plugins", "inputs", "file", registryName(ctx, in.paths))
	}
	in.host, _ = os.Hostname()
	in.ecs = ctx.ECS()
	if in.ecs {
		in.pathRef, in.hostRef = event.MustRef("[log][file][path]"), event.MustRef("[host][name]")
	} else {
		in.pathRef, in.hostRef = event.MustRef("path"), event.MustRef("host")
	}
	in.offsetRef = event.MustRef("[log][offset]")
	in.flagsRef = event.MustRef("[log][flags]")
	probe := plugin.NewStreamDecoder(in.Codec, plugin.DecoderOptions{})
	if f, ok := probe.(plugin.IdleFlusher); ok {
		in.holds, in.idle = true, f.IdleFlushInterval()
	}
	return nil
}

// durationUnits are the units sincedb_clean_after takes (Logstash's
// friendly durations).
var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// parseCleanAfter parses sincedb_clean_after: a number of days, or a
// number and a unit ("2 weeks", "36h").
func parseCleanAfter(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := s, "days"
	if i >= 0 {
		num, unit = s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	u, ok := durationUnits[unit]
	if err != nil || !ok || f < 0 {
		return 0, fmt.Errorf("expected a number of days or a duration such as \"2 weeks\" or \"36 hours\", got %q", s)
	}
	if d := f * float64(u); d <= float64(100*365*24*time.Hour) {
		return time.Duration(d), nil
	}
	return 0, fmt.Errorf("%q is more than 100 years", s)
}

func compileAll(name string, pats []string) ([]*regexp.Regexp, error) {
	out := make([]*regexp.Regexp, 0, len(pats))
	for _, p := range pats {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// generatedID matches the ids the engine gives plugins without one.
var generatedID = regexp.MustCompile(`^input_file_[0-9]+$`)

// registryName names the default registry file: by the pipeline and the
// plugin's id, or, when the id was generated (it depends on the order of
// the inputs), by a hash of the path patterns, as Logstash names its
// sincedb files, so that adding an input does not swap registries.
func registryName(ctx *plugin.Context, paths []string) string {
	id := ctx.ID
	if id == "" || generatedID.MatchString(id) {
		sorted := slices.Clone(paths)
		slices.Sort(sorted)
		sum := sha256.Sum256([]byte(strings.Join(sorted, "\x00")))
		id = "file-" + hex.EncodeToString(sum[:8])
	}
	pipeline := ctx.PipelineID
	if pipeline == "" {
		pipeline = "main"
	}
	return sanitize(pipeline) + "." + sanitize(id) + ".registry.json"
}

func sanitize(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, id)
}

// Open loads the registry: a corrupt one stops the pipeline's start with
// a clear error (a copy of it is kept).
func (in *Input) Open(context.Context) error {
	cfg := shipper.Config{
		Paths:                 in.paths,
		Exclude:               in.Exclude,
		ExcludeFiles:          in.excludeFiles,
		StartAtEnd:            in.StartPosition == "end" && in.Mode == "tail",
		ReadMode:              in.Mode == "read",
		RegistryPath:          in.registryPath,
		Identity:              in.FileIdentity,
		FingerprintLength:     in.FingerprintLength,
		StatInterval:          in.StatInterval,
		DiscoverInterval:      in.DiscoverInterval,
		IgnoreOlder:           in.IgnoreOlder,
		CloseOlder:            in.CloseOlder,
		MaxOpenFiles:          in.MaxOpenFiles,
		CleanRemoved:          in.CleanRemoved,
		CleanAfter:            in.cleanAfter,
		MaxBytes:              int(in.MaxBytes),
		Delimiter:             in.Delimiter,
		RegistryFlushInterval: in.SincedbWriteInterval,
		IdleInterval:          in.idle,
		NewStream:             in.newStream,
		DisableNotify:         in.disableN,
		Logger:                in.log,
	}
	if cfg.ReadMode {
		cfg.OnComplete = in.completed
	}
	s, err := shipper.New(cfg)
	if err != nil {
		return fmt.Errorf("file input: %w", err)
	}
	in.ship = s
	return nil
}

// Run reads files until ctx ends.
func (in *Input) Run(ctx context.Context, q plugin.Queue) error {
	if in.ship == nil {
		if err := in.Open(ctx); err != nil {
			return err
		}
	}
	in.q = q
	return in.ship.Run(ctx)
}

// Close writes the offsets acknowledged after Run returned.
func (in *Input) Close() error {
	if in.ship == nil {
		return nil
	}
	return in.ship.Flush()
}

// completed applies file_completed_action to a file read to its end.
func (in *Input) completed(path string) {
	if in.CompletedAction == "log" || in.CompletedAction == "log_and_delete" {
		in.logMu.Lock()
		f, err := os.OpenFile(in.CompletedLogPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			_, err = f.WriteString(path + "\n")
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		in.logMu.Unlock()
		if err != nil {
			in.log.Error("file_completed_log_path: cannot append", "path", in.CompletedLogPath, "error", err)
		}
	}
	if in.CompletedAction == "delete" || in.CompletedAction == "log_and_delete" {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			in.log.Error("file_completed_action: cannot delete", "path", path, "error", err)
		}
	}
}

// holding is a decoder that tells whether it holds lines back (the
// multiline codec's): when it holds nothing after a line, that line's end
// can be acknowledged.
type holding interface{ Holds() bool }

// maxPushEvents is how many events a file's stream decodes before it hands
// them to the queue (one read of 64 KiB holds about 280 Apache lines).
// Smaller pushes keep fewer decoded events waiting for a full queue.
const maxPushEvents = 128

// stream turns one file's lines into events.
type stream struct {
	in    *Input
	src   *shipper.Source
	dec   plugin.Decoder
	batch []*event.Event
	// per line being decoded
	cur      shipper.Line
	evOffset int64 // [log][offset] of the events emitted now
	group    int64 // holding codecs: offset of the first line held (-1: none)
	emitted  bool
	lastEnd  int64
	path     string
	onEvent  func(*event.Event)
	lineFeed []byte
}

func (in *Input) newStream(src *shipper.Source) shipper.Stream {
	st := &stream{in: in, src: src, lastEnd: -1, group: -1}
	st.dec = plugin.NewStreamDecoder(in.Codec, plugin.DecoderOptions{MaxBytes: int(in.MaxBytes) + len(in.Delimiter) + 1, Logger: in.log})
	st.onEvent = st.add
	return st
}

// add decorates and collects one decoded event.
func (st *stream) add(e *event.Event) {
	st.emitted = true
	if !st.in.keep(e) {
		return
	}
	in := st.in
	if v, ok := e.Get(in.pathRef); !ok || v == nil {
		_ = e.Set(in.pathRef, st.path)
	}
	if v, ok := e.Get(in.hostRef); !ok || v == nil {
		_ = e.Set(in.hostRef, in.host)
	}
	_ = e.Set(in.offsetRef, st.evOffset)
	if st.cur.Truncated {
		_ = e.Set(in.flagsRef, []any{"truncated"})
	}
	st.batch = append(st.batch, e)
}

// keep applies include_lines and exclude_lines to the event's message.
func (in *Input) keep(e *event.Event) bool {
	if len(in.includeLines) == 0 && len(in.excludeLines) == 0 {
		return true
	}
	msg, _ := e.GetField("message")
	s, _ := msg.(string)
	if len(in.includeLines) > 0 {
		ok := false
		for _, re := range in.includeLines {
			if re.MatchString(s) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, re := range in.excludeLines {
		if re.MatchString(s) {
			return false
		}
	}
	return true
}

// Lines decodes lines into events and pushes them with an ack that saves
// the offset after them.
func (st *stream) Lines(ctx context.Context, lines []shipper.Line) error {
	st.path = st.src.Path()
	commit := int64(-1)
	for _, l := range lines {
		st.cur = l
		st.emitted = false
		st.evOffset = l.Offset
		if st.in.holds {
			// The codec may keep lines back: events it emits now end at
			// the latest before this line (what => previous), and start at
			// the first line it held.
			if st.group < 0 {
				st.group = l.Offset
			}
			st.evOffset = st.group
			st.lineFeed = append(append(st.lineFeed[:0], l.Data...), '\n')
			st.dec.Decode(st.lineFeed, st.onEvent)
			if st.emitted {
				if h, ok := st.dec.(holding); ok && !h.Holds() {
					// The line ended the event (what => next, a count,
					// a flush_pattern): the codec holds nothing.
					commit, st.group = l.End, -1
				} else {
					commit, st.group = l.Offset, l.Offset
				}
			}
		} else if st.in.Delimiter == "\n" {
			// One complete line: the decoder emits its event at once.
			st.lineFeed = append(append(st.lineFeed[:0], l.Data...), '\n')
			st.dec.Decode(st.lineFeed, st.onEvent)
			commit = l.End
		} else {
			// The line may hold newlines: a flush makes it one event.
			st.dec.Decode(l.Data, st.onEvent)
			st.dec.Flush(st.onEvent)
			commit = l.End
		}
		st.lastEnd = l.End
		if len(st.batch) >= maxPushEvents && commit >= 0 {
			// Hand over what is decoded before decoding more: while the
			// queue is full, a file holds at most this many events.
			if err := st.push(ctx, commit); err != nil {
				return err
			}
			commit = -1
		}
	}
	return st.push(ctx, commit)
}

// push sends the batch; its ack saves offset commit (-1: none).
func (st *stream) push(ctx context.Context, commit int64) error {
	if commit < 0 {
		return nil
	}
	ack := st.src.Commit(commit)
	if len(st.batch) == 0 {
		ack() // every line was filtered out
		return nil
	}
	err := st.in.q.Push(ctx, st.batch, ack)
	clear(st.batch)
	st.batch = st.batch[:0]
	return err
}

// Idle flushes a codec that holds lines back (multiline).
func (st *stream) Idle(ctx context.Context) error { return st.flush(ctx) }

// Close flushes what the codec holds.
func (st *stream) Close(ctx context.Context) error { return st.flush(ctx) }

func (st *stream) flush(ctx context.Context) error {
	if !st.in.holds || st.lastEnd < 0 {
		return nil
	}
	st.path = st.src.Path()
	st.emitted = false
	st.evOffset = max(st.group, 0)
	st.cur = shipper.Line{}
	st.dec.Flush(st.onEvent)
	if !st.emitted {
		return nil
	}
	st.group = -1
	return st.push(ctx, st.lastEnd)
}
