// Package agent runs a process's pipelines: it starts every pipeline
// named by pipelines.yml (or the single -f/-e pipeline), reloads them when
// their configuration changes (config.reload.automatic, SIGHUP) and stops
// them in an order that lets pipeline-to-pipeline senders drain first.
//
// A reload builds the new pipeline completely (configuration parsed, every
// plugin decoded and Init'ed) while the old one still runs; only then is the
// old pipeline stopped (its inputs close, the events it accepted are
// delivered) and the new one started. When the new pipeline cannot start
// (a port it needs is taken) the old configuration is started again and the
// failure is reported. When that fails too (another process took the port
// the two share), the pipeline is down: the agent then tries again with
// backoff — the new configuration, else the old one — until one starts, a
// later reload replaces them, or the agent stops. Unchanged pipelines are
// not touched.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
)

// Spec is one pipeline as the configuration describes it.
type Spec struct {
	// ID is pipeline.id.
	ID string
	// Settings are the pipeline's settings (Settings.ID is set to ID).
	Settings pipeline.Settings
	// Config is the parsed, substituted configuration; nil when Err is set.
	Config *config.Pipeline
	// Err is why the pipeline's configuration did not load.
	Err error
	// Hash identifies the configuration text and settings: a pipeline
	// whose hash did not change is not restarted by a reload.
	Hash string
}

// LoadFunc reads the configuration: every pipeline's Spec. An error means
// the list itself could not be read (pipelines.yml is broken): a reload
// then changes nothing.
type LoadFunc func() ([]Spec, error)

// Options configure an Agent.
type Options struct {
	// Load reads the configuration, at start and on every reload.
	Load LoadFunc
	// Automatic is config.reload.automatic: check the configuration every
	// Interval and reload what changed.
	Automatic bool
	// Interval is config.reload.interval (default 3s).
	Interval time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now is the clock for the reload timestamps (tests).
	Now func() time.Time
	// Observer, when set, hears about pipelines starting and stopping
	// and about reload outcomes (the monitoring API follows the agent
	// through it).
	Observer Observer
	// RetryInitial and RetryMax bound the backoff between attempts to
	// start a pipeline that is down because its start failed at a reload
	// (default 1s doubling up to 30s).
	RetryInitial, RetryMax time.Duration
}

// Observer follows an Agent's pipelines. Its methods are called from the
// agent's goroutines, never with the agent's lock held.
type Observer interface {
	// PipelineStarted: r.Pipeline runs (a start, or a reload's new
	// pipeline).
	PipelineStarted(r Running)
	// PipelineStopped: p, which ran as pipeline id, stopped on purpose (a
	// reload replacing it, a pipeline removed from the configuration, or
	// shutdown).
	PipelineStopped(id string, p *pipeline.Pipeline)
	// ReloadDone reports a reload of pipeline id: err is nil on success.
	ReloadDone(id string, err error)
}

// ReloadStats are one pipeline's reload counters, as the monitoring API
// reports them (pipelines.<id>.reloads in Logstash's _node/stats).
type ReloadStats struct {
	Successes int64
	Failures  int64
	// LastError is the last failed reload's error ("" when none).
	LastError string
	// LastSuccessTimestamp and LastFailureTimestamp are zero when there
	// was none.
	LastSuccessTimestamp time.Time
	LastFailureTimestamp time.Time
	// StartRetries counts the failed attempts to start the pipeline since
	// a reload left it down (0 while it runs); NextStartRetry is when the
	// next attempt is due (zero when none is pending).
	StartRetries   int64
	NextStartRetry time.Time
}

// Running is one running pipeline.
type Running struct {
	ID       string
	Pipeline *pipeline.Pipeline
	// Hash is the configuration hash it was built from.
	Hash string
	// Started is when this instance of the pipeline started.
	Started time.Time
}

// Agent runs and reloads pipelines. Its methods are safe for concurrent
// use.
type Agent struct {
	opts Options
	log  *slog.Logger

	reloadReq chan struct{}

	// mu guards running and stats; reloadMu serialises reloads.
	mu       sync.Mutex
	running  map[string]*managed
	stats    map[string]*ReloadStats
	failHash map[string]string // last hash that failed, per pipeline (automatic reload skips it)
	finished map[string]string // hash of pipelines that finished on their own (not restarted unchanged)
	live     map[*managed]bool // every pipeline whose Run has not returned, stopping ones included
	reloadMu sync.Mutex
	exited   chan *managed // pipelines whose Run returned

	// retries are the pipelines that are down because their start failed
	// at a reload, by id (guarded by mu); retryKick wakes Run to re-arm
	// its timer.
	retries   map[string]*retry
	retryKick chan struct{}
	// afterStop, when set (tests), runs between stopping a pipeline and
	// starting its replacement.
	afterStop func(id string)
}

// retry is a pipeline that is down: the configurations to try to start.
type retry struct {
	next    Spec  // the configuration the reload wanted
	prev    *Spec // the configuration that ran before, if any
	attempt int
	due     time.Time
}

// managed is a running pipeline and how to stop it.
type managed struct {
	spec    Spec
	p       *pipeline.Pipeline
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run returned
	decided chan struct{} // closed once start registered it or gave up
	err     error         // Run's error, once done
	started time.Time
	stopped bool // stopped on purpose (reload, shutdown)
}

// New returns an agent; Run starts it.
func New(opts Options) *Agent {
	if opts.Interval <= 0 {
		opts.Interval = 3 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryInitial <= 0 {
		opts.RetryInitial = time.Second
	}
	if opts.RetryMax < opts.RetryInitial {
		opts.RetryMax = max(30*time.Second, opts.RetryInitial)
	}
	return &Agent{
		opts: opts, log: opts.Logger,
		reloadReq: make(chan struct{}, 1),
		running:   map[string]*managed{},
		stats:     map[string]*ReloadStats{},
		failHash:  map[string]string{},
		finished:  map[string]string{},
		live:      map[*managed]bool{},
		exited:    make(chan *managed, 16),
		retries:   map[string]*retry{},
		retryKick: make(chan struct{}, 1),
	}
}

// Pipelines returns the running pipelines, sorted by id.
func (a *Agent) Pipelines() []Running {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Running, 0, len(a.running))
	for id, m := range a.running {
		out = append(out, Running{ID: id, Pipeline: m.p, Hash: m.spec.Hash, Started: m.started})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Reloads returns the reload counters of every pipeline that was ever
// configured, by id.
func (a *Agent) Reloads() map[string]ReloadStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]ReloadStats, len(a.stats))
	for id, s := range a.stats {
		out[id] = *s
	}
	return out
}

// ForceStop makes every pipeline, including those being stopped by a
// reload, give up on undelivered events (a second shutdown signal): their
// outputs stop retrying, so stopping finishes quickly. Undelivered events
// are not acknowledged.
func (a *Agent) ForceStop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for m := range a.live {
		m.p.ForceStop()
	}
}

// RequestReload asks Run to reload (SIGHUP). It does not wait; repeated
// requests while one is pending are merged.
func (a *Agent) RequestReload() {
	select {
	case a.reloadReq <- struct{}{}:
	default:
	}
}

// Start loads the configuration and starts every pipeline. It fails, having
// stopped what it started, when the configuration does not load or a
// pipeline cannot be built or started. Run then supervises them.
func (a *Agent) Start() error {
	specs, err := a.opts.Load()
	if err != nil {
		return err
	}
	if len(specs) == 0 {
		return errors.New("no pipeline is configured")
	}
	var errs []error
	built := map[string]*pipeline.Pipeline{}
	owner := map[string]string{}
	for _, s := range specs {
		for _, addr := range listenAddresses(s.Config) {
			if o, ok := owner[addr]; ok && o != s.ID {
				errs = append(errs, fmt.Errorf("pipeline %s: pipeline input address %q is also used by pipeline %s", s.ID, addr, o))
			}
			owner[addr] = s.ID
		}
	}
	for _, s := range specs {
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("pipeline %s: %w", s.ID, s.Err))
			continue
		}
		p, err := pipeline.New(s.Config, s.Settings)
		if err != nil {
			errs = append(errs, fmt.Errorf("pipeline %s: %w", s.ID, err))
			continue
		}
		built[s.ID] = p
	}
	if len(errs) > 0 {
		for _, p := range built {
			closeUnstarted(p)
		}
		return errors.Join(errs...)
	}
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	for _, s := range specs {
		if err := a.start(s, built[s.ID]); err != nil {
			delete(built, s.ID)
			for _, rest := range specs {
				if p, ok := built[rest.ID]; ok && a.get(rest.ID) == nil {
					closeUnstarted(p)
				}
			}
			a.stopAll()
			return &StartError{ID: s.ID, Err: err}
		}
		a.mu.Lock()
		a.stats[s.ID] = &ReloadStats{}
		a.mu.Unlock()
	}
	return nil
}

// StartError is Start's error when a pipeline was built but failed to
// start (an input could not bind its port); other errors are configuration
// errors.
type StartError struct {
	ID  string
	Err error
}

func (e *StartError) Error() string { return fmt.Sprintf("pipeline %s: %v", e.ID, e.Err) }
func (e *StartError) Unwrap() error { return e.Err }

// closeUnstarted releases a built pipeline that will not run.
func closeUnstarted(p *pipeline.Pipeline) { p.Close() }

// Run supervises the pipelines Start started: it reloads on RequestReload
// and, with automatic reload, when the configuration changes. It returns
// when ctx is done (every pipeline is stopped first, senders before their
// receivers) or, without automatic reload, when every pipeline finished on
// its own (inputs exhausted). The error is the first pipeline failure.
func (a *Agent) Run(ctx context.Context) error {
	var tick <-chan time.Time
	if a.opts.Automatic {
		t := time.NewTicker(a.opts.Interval)
		defer t.Stop()
		tick = t.C
	}
	var firstErr error
	retryTimer := time.NewTimer(time.Hour)
	retryTimer.Stop()
	defer retryTimer.Stop()
	armRetry := func() {
		retryTimer.Stop()
		if due, ok := a.nextRetry(); ok {
			retryTimer.Reset(max(time.Until(due), 0))
		}
	}
	for {
		select {
		case <-ctx.Done():
			a.reloadMu.Lock()
			a.stopAll()
			a.mu.Lock()
			clear(a.retries)
			a.mu.Unlock()
			a.reloadMu.Unlock()
			return firstErr
		case <-a.reloadReq:
			a.Reload(false)
			armRetry()
		case <-tick:
			a.Reload(true)
			armRetry()
		case <-a.retryKick:
			armRetry()
		case <-retryTimer.C:
			a.retryDue()
			armRetry()
		case m := <-a.exited:
			id := m.spec.ID
			a.mu.Lock()
			if a.running[id] == m && !m.stopped {
				delete(a.running, id)
				a.finished[id] = m.spec.Hash
				if m.err != nil && firstErr == nil {
					firstErr = fmt.Errorf("pipeline %s: %w", id, m.err)
				}
				a.log.Info("pipeline finished", "pipeline", id)
			}
			left := len(a.running)
			a.mu.Unlock()
			if left == 0 && !a.opts.Automatic {
				return firstErr
			}
		}
	}
}

// listens reports whether the running pipeline id has a pipeline input on
// addr.
func (a *Agent) listens(id, addr string) bool {
	m := a.get(id)
	return m != nil && slices.Contains(listenAddresses(m.spec.Config), addr)
}

func (a *Agent) get(id string) *managed {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running[id]
}

// start runs a built pipeline and waits until it started (inputs open) or
// failed to.
func (a *Agent) start(s Spec, p *pipeline.Pipeline) error {
	ctx, cancel := context.WithCancel(context.Background())
	m := &managed{spec: s, p: p, cancel: cancel, done: make(chan struct{}), decided: make(chan struct{}), started: a.opts.Now()}
	a.mu.Lock()
	a.live[m] = true
	a.mu.Unlock()
	go func() {
		err := p.Run(ctx)
		a.mu.Lock()
		m.err = err
		delete(a.live, m)
		a.mu.Unlock()
		close(m.done)
		<-m.decided
		a.mu.Lock()
		report := !m.stopped
		a.mu.Unlock()
		if !report {
			return // stopped on purpose, or its start failed: the caller knows
		}
		select {
		case a.exited <- m:
		default:
			go func() { a.exited <- m }()
		}
	}()
	var err error
	select {
	case <-p.Started():
	case <-m.done:
		cancel()
		a.mu.Lock()
		err = m.err
		a.mu.Unlock()
		// Without an error it ran and finished at once: it started.
	}
	a.mu.Lock()
	if err != nil {
		m.stopped = true
	} else {
		a.running[s.ID] = m
	}
	a.mu.Unlock()
	close(m.decided)
	if err == nil && a.opts.Observer != nil {
		a.opts.Observer.PipelineStarted(Running{ID: s.ID, Pipeline: p, Hash: s.Hash, Started: m.started})
	}
	return err
}

// stop stops a pipeline and waits until it delivered what it accepted.
func (a *Agent) stop(m *managed) {
	a.mu.Lock()
	m.stopped = true
	if a.running[m.spec.ID] == m {
		delete(a.running, m.spec.ID)
	}
	a.mu.Unlock()
	m.cancel()
	<-m.done
	if a.opts.Observer != nil {
		a.opts.Observer.PipelineStopped(m.spec.ID, m.p)
	}
}

// stopAll stops every pipeline: a pipeline is stopped once no running
// pipeline sends to its pipeline-input addresses, so senders drain into
// receivers that still listen. Pipelines in a cycle stop together.
func (a *Agent) stopAll() {
	for {
		a.mu.Lock()
		var all []*managed
		for _, m := range a.running {
			all = append(all, m)
		}
		a.mu.Unlock()
		if len(all) == 0 {
			return
		}
		wave := stopWave(all)
		var wg sync.WaitGroup
		for _, m := range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.stop(m)
			}()
		}
		wg.Wait()
	}
}

// stopWave picks the pipelines that may stop now: those whose addresses no
// other remaining pipeline sends to (all of them when that leaves none).
func stopWave(all []*managed) []*managed {
	targeted := map[string]bool{}
	for _, m := range all {
		for _, addr := range sendAddresses(m.spec.Config) {
			targeted[addr] = true
		}
	}
	var wave []*managed
	for _, m := range all {
		free := true
		for _, addr := range listenAddresses(m.spec.Config) {
			if targeted[addr] && !slices.Contains(sendAddresses(m.spec.Config), addr) {
				free = false
			}
		}
		if free {
			wave = append(wave, m)
		}
	}
	if len(wave) == 0 {
		return all
	}
	return wave
}

// Reload reads the configuration and applies what changed: new pipelines
// start, removed ones stop, changed ones are rebuilt and swapped. With
// skipKnownFailures (the automatic reload) a pipeline whose configuration
// failed before and did not change since is not tried again. Reload
// returns the errors it reported.
func (a *Agent) Reload(skipKnownFailures bool) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	specs, err := a.opts.Load()
	if err != nil {
		if !skipKnownFailures || a.failHash[""] != err.Error() {
			a.log.Error("reload: the pipelines configuration does not load; running pipelines are kept", "error", err)
			a.failHash[""] = err.Error()
		}
		return err
	}
	delete(a.failHash, "")
	// Removed pipelines stop first: their addresses and ports are free for
	// the others.
	want := map[string]bool{}
	for _, s := range specs {
		want[s.ID] = true
	}
	a.mu.Lock()
	for id := range a.retries {
		if !want[id] {
			a.log.Info("reload: pipeline removed from the configuration; no longer trying to start it", "pipeline", id)
			delete(a.retries, id)
			if st := a.stats[id]; st != nil {
				st.StartRetries, st.NextStartRetry = 0, time.Time{}
			}
		}
	}
	a.mu.Unlock()
	for _, r := range a.Pipelines() {
		if !want[r.ID] {
			if m := a.get(r.ID); m != nil {
				a.log.Info("reload: pipeline removed from the configuration; stopping it", "pipeline", r.ID)
				a.stop(m)
			}
		}
	}
	var errs []error
	for _, s := range specs {
		cur := a.get(s.ID)
		if cur != nil && cur.spec.Hash == s.Hash && s.Err == nil {
			delete(a.failHash, s.ID)
			continue
		}
		a.mu.Lock()
		done := cur == nil && a.finished[s.ID] == s.Hash
		a.mu.Unlock()
		if done {
			// It finished its work (a generator with a count, stdin at
			// EOF); the same configuration would do it again.
			continue
		}
		if skipKnownFailures && s.Hash != "" && a.failHash[s.ID] == s.Hash {
			continue
		}
		if err := a.apply(cur, s); err != nil {
			a.failHash[s.ID] = s.Hash
			errs = append(errs, err)
		} else {
			delete(a.failHash, s.ID)
		}
	}
	return errors.Join(errs...)
}

// apply builds s and swaps it for cur (nil for a new pipeline).
func (a *Agent) apply(cur *managed, s Spec) error {
	fail := func(err error) error {
		err = fmt.Errorf("pipeline %s: %w", s.ID, err)
		a.recordFailure(s.ID, err)
		if cur != nil {
			a.log.Error("reload failed; the running pipeline is kept", "pipeline", s.ID, "error", err)
		} else {
			a.log.Error("reload failed; the new pipeline is not started", "pipeline", s.ID, "error", err)
		}
		return err
	}
	if s.Err != nil {
		return fail(s.Err)
	}
	for _, addr := range listenAddresses(s.Config) {
		for _, r := range a.Pipelines() {
			if r.ID != s.ID && a.listens(r.ID, addr) {
				return fail(fmt.Errorf("pipeline input address %q is used by pipeline %s", addr, r.ID))
			}
		}
	}
	next, err := pipeline.New(s.Config, s.Settings)
	if err != nil {
		return fail(err)
	}
	if cur == nil {
		if err := a.start(s, next); err != nil {
			delay := a.scheduleRetry(s, nil)
			return fail(fmt.Errorf("start: %w; retrying in %s", err, delay))
		}
		a.clearRetry(s.ID)
		a.recordSuccess(s.ID)
		a.log.Info("reload: pipeline started", "pipeline", s.ID)
		return nil
	}
	a.log.Info("reload: configuration changed; stopping the running pipeline (it delivers what it accepted)", "pipeline", s.ID)
	a.stop(cur)
	if a.afterStop != nil {
		a.afterStop(s.ID)
	}
	if err := a.start(s, next); err != nil {
		startErr := fmt.Errorf("the new configuration failed to start: %w", err)
		// Bring the previous configuration back.
		if berr := a.startSpec(cur.spec); berr != nil {
			prev := cur.spec
			delay := a.scheduleRetry(s, &prev)
			a.log.Error("reload: the previous configuration did not start again either; the pipeline is down until one of them starts",
				"pipeline", s.ID, "error", berr, "retry_in", delay)
			return fail(fmt.Errorf("%w; restarting the previous configuration failed too: %v; the pipeline is down, retrying in %s", startErr, berr, delay))
		}
		return fail(fmt.Errorf("%w; the previous configuration runs again", startErr))
	}
	a.recordSuccess(s.ID)
	a.log.Info("reload: pipeline reloaded", "pipeline", s.ID)
	return nil
}

// startSpec builds and starts s.
func (a *Agent) startSpec(s Spec) error {
	p, err := pipeline.New(s.Config, s.Settings)
	if err != nil {
		return err
	}
	return a.start(s, p)
}

// scheduleRetry records that pipeline s.ID is down and when to try to
// start it again; it returns the delay.
func (a *Agent) scheduleRetry(s Spec, prev *Spec) time.Duration {
	a.mu.Lock()
	r := a.retries[s.ID]
	if r == nil {
		r = &retry{}
		a.retries[s.ID] = r
	}
	r.next = s
	if prev != nil {
		r.prev = prev
	}
	delay := a.opts.RetryInitial
	for i := 0; i < r.attempt && delay < a.opts.RetryMax; i++ {
		delay *= 2
	}
	delay = min(delay, a.opts.RetryMax)
	r.attempt++
	r.due = time.Now().Add(delay)
	st := a.statsOf(s.ID)
	st.StartRetries = int64(r.attempt)
	st.NextStartRetry = a.opts.Now().Add(delay)
	a.mu.Unlock()
	select {
	case a.retryKick <- struct{}{}:
	default:
	}
	return delay
}

// clearRetry forgets that pipeline id is down.
func (a *Agent) clearRetry(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.retries, id)
	if st := a.stats[id]; st != nil {
		st.StartRetries, st.NextStartRetry = 0, time.Time{}
	}
}

// nextRetry returns when the earliest pending start attempt is due.
func (a *Agent) nextRetry() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var due time.Time
	for _, r := range a.retries {
		if due.IsZero() || r.due.Before(due) {
			due = r.due
		}
	}
	return due, !due.IsZero()
}

// retryDue tries to start every pipeline whose retry is due: the
// configuration the reload wanted, else the one that ran before.
func (a *Agent) retryDue() {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()
	now := time.Now()
	a.mu.Lock()
	var due []*retry
	for _, r := range a.retries {
		if !r.due.After(now) {
			due = append(due, r)
		}
	}
	a.mu.Unlock()
	for _, r := range due {
		id := r.next.ID
		if a.get(id) != nil {
			a.clearRetry(id) // a reload started it meanwhile
			continue
		}
		err := a.startSpec(r.next)
		if err == nil {
			a.clearRetry(id)
			a.recordSuccess(id)
			a.log.Info("reload: pipeline started after its start failed", "pipeline", id, "attempts", r.attempt+1)
			continue
		}
		if r.prev != nil {
			if perr := a.startSpec(*r.prev); perr == nil {
				a.clearRetry(id)
				a.log.Warn("reload: the previous configuration runs again; the new one still fails to start (fix it and reload)",
					"pipeline", id, "error", err, "attempts", r.attempt+1)
				continue
			}
		}
		delay := a.scheduleRetry(r.next, nil)
		a.log.Error("reload: pipeline still down: it failed to start again; retrying", "pipeline", id, "error", err, "attempt", r.attempt, "retry_in", delay)
	}
}

func (a *Agent) recordSuccess(id string) {
	a.mu.Lock()
	st := a.statsOf(id)
	st.Successes++
	st.LastSuccessTimestamp = a.opts.Now()
	a.mu.Unlock()
	if o := a.opts.Observer; o != nil {
		o.ReloadDone(id, nil)
	}
}

func (a *Agent) recordFailure(id string, err error) {
	a.mu.Lock()
	st := a.statsOf(id)
	st.Failures++
	st.LastError = err.Error()
	st.LastFailureTimestamp = a.opts.Now()
	a.mu.Unlock()
	if o := a.opts.Observer; o != nil {
		o.ReloadDone(id, err)
	}
}

// statsOf returns pipeline id's reload counters; a.mu is held.
func (a *Agent) statsOf(id string) *ReloadStats {
	st := a.stats[id]
	if st == nil {
		st = &ReloadStats{}
		a.stats[id] = st
	}
	return st
}
