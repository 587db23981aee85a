package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one sluice process under test. It runs `sluice serve -f CONFIG
// --log.format json` and follows its JSON log on stderr: the address the
// tcp input listens on, "pipeline started" and the final "pipeline
// stopped" counters.
type proc struct {
	cmd     *exec.Cmd
	execAt  time.Time // just before fork/exec
	exited  chan struct{}
	exitAt  time.Time
	state   *os.ProcessState
	waitErr error

	log *logFollower

	hwmMu sync.Mutex
	hwm   int64 // VmHWM of /proc/PID/status, bytes: the last value read
}

// counters are the "pipeline stopped" line's event counters.
type counters struct {
	In, Filtered, Out int64
}

// startSluice writes config to dir and starts the binary on it. env adds
// environment variables (e.g. SLUICE_CPUPROFILE).
func startSluice(e *env, dir, config string, extraEnv []string) (*proc, error) {
	return startSluiceStdin(e, dir, config, extraEnv, nil)
}

// startSluiceStdin is startSluice with the process's standard input read
// from stdin (nil: none).
func startSluiceStdin(e *env, dir, config string, extraEnv []string, stdin io.Reader) (*proc, error) {
	path := filepath.Join(dir, "pipeline.conf")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		return nil, fmt.Errorf("write config: %w", err)
	}
	args := append([]string{"serve", "-f", path, "--log.format", "json", "--path.data", filepath.Join(dir, "data")}, e.sluiceArgs...)
	return startSluiceArgs(e, dir, args, extraEnv, stdin)
}

// startSluiceArgs starts the binary in dir with args (which must include
// --log.format json).
func startSluiceArgs(e *env, dir string, args, extraEnv []string, stdin io.Reader) (*proc, error) {
	bin := e.bin
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), extraEnv...)
	lf := newLogFollower()
	cmd.Stderr = lf
	cmd.Stdout = lf.stdout()
	p := &proc{cmd: cmd, exited: make(chan struct{}), log: lf}
	p.execAt = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go p.pollHWM()
	go func() {
		p.waitErr = cmd.Wait()
		p.exitAt = time.Now()
		p.state = cmd.ProcessState
		close(p.exited)
	}()
	return p, nil
}

// stop sends SIGTERM (sluice stops its inputs, drains in-flight events and
// exits) and waits for the exit, up to timeout; then it kills the process.
func (p *proc) stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return p.exitError()
	default:
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	return p.wait(timeout)
}

// wait waits for the process to exit by itself, up to timeout; then it
// kills it and returns an error.
func (p *proc) wait(timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
		return p.exitError()
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("sluice did not exit within %s (killed)\n%s", timeout, p.log.tail())
	}
}

// kill ends the process at once (after a failure elsewhere).
func (p *proc) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *proc) exitError() error {
	if p.waitErr != nil {
		return fmt.Errorf("sluice exited with %v\n%s", p.waitErr, p.log.tail())
	}
	return nil
}

// rusage returns the finished process's peak RSS (bytes) and CPU time.
//
// The peak RSS is VmHWM from /proc/PID/status, read every few
// milliseconds while the process runs, not the child's rusage maxrss: Go
// starts children with vfork semantics (CLONE_VM), so at exec the kernel
// records the parent's (this harness's) high-water RSS into the child's
// maxrss, and a harness holding a few MiB of payload would inflate every
// child's figure.
func (p *proc) rusage() (maxRSS int64, cpu time.Duration) {
	if p.state == nil {
		return 0, 0
	}
	p.hwmMu.Lock()
	maxRSS = p.hwm
	p.hwmMu.Unlock()
	if ru, ok := p.state.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		// Only a process that exits before the first VmHWM sample (5 ms)
		// falls back to the kernel's ru_maxrss (KiB on Linux), an upper
		// bound: it includes this harness's peak (see above).
		if maxRSS == 0 {
			maxRSS = ru.Maxrss * 1024
		}
	}
	return maxRSS, cpu
}

// pollHWM follows the process's VmHWM until it exits.
func (p *proc) pollHWM() {
	path := fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			if v := parseHWM(b); v > 0 {
				p.hwmMu.Lock()
				p.hwm = max(p.hwm, v)
				p.hwmMu.Unlock()
			}
		}
		select {
		case <-p.exited:
			return
		case <-t.C:
		}
	}
}

// parseHWM returns VmHWM in bytes from /proc/PID/status (0 when absent,
// e.g. for a zombie).
func parseHWM(status []byte) int64 {
	_, rest, ok := bytes.Cut(status, []byte("VmHWM:"))
	if !ok {
		return 0
	}
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) != 2 || f[1] != "kB" {
		return 0
	}
	kb, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	return kb * 1024
}

// stopped returns the "pipeline stopped" counters, or an error naming
// what the log said instead.
func (p *proc) stopped() (counters, error) {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	if p.log.stop == nil {
		return counters{}, fmt.Errorf("no \"pipeline stopped\" line in sluice's log\n%s", p.log.tailLocked())
	}
	return *p.log.stop, nil
}

// logFollower parses sluice's JSON log lines as they arrive.
type logFollower struct {
	mu       sync.Mutex
	partial  []byte
	lines    []string // the last lines, for error reports
	stop     *counters
	errs     []string // WARN and ERROR messages
	monitor  string   // the monitoring API's base URL
	started  time.Time
	startedC chan struct{}
	addrC    chan string
	out      bytes.Buffer
}

func newLogFollower() *logFollower {
	return &logFollower{startedC: make(chan struct{}), addrC: make(chan string, 16)}
}

// Write receives stderr.
func (l *logFollower) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.line(l.partial[:i])
		l.partial = l.partial[i+1:]
	}
	if len(l.partial) == 0 {
		l.partial = nil
	}
	return len(b), nil
}

type stdoutWriter struct{ l *logFollower }

func (w stdoutWriter) Write(b []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	if w.l.out.Len() < 64<<10 {
		w.l.out.Write(b)
	}
	return len(b), nil
}

// stdout keeps the first 64 KiB of stdout (benchmark pipelines print
// nothing there).
func (l *logFollower) stdout() stdoutWriter { return stdoutWriter{l} }

func (l *logFollower) line(b []byte) {
	s := string(b)
	l.lines = append(l.lines, s)
	if len(l.lines) > 40 {
		l.lines = l.lines[len(l.lines)-40:]
	}
	var rec map[string]any
	if json.Unmarshal(b, &rec) != nil {
		return
	}
	msg, _ := rec["msg"].(string)
	level, _ := rec["level"].(string)
	if level == "WARN" || level == "ERROR" {
		l.errs = append(l.errs, s)
	}
	switch msg {
	case "listening":
		if a, ok := rec["address"].(string); ok {
			select {
			case l.addrC <- a:
			default:
			}
		}
	case "monitoring API listening":
		if a, ok := rec["address"].(string); ok {
			l.monitor = a
		}
	case "pipeline started":
		if ts, ok := rec["time"].(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
				l.started = t
			}
		}
		if l.started.IsZero() {
			l.started = time.Now()
		}
		select {
		case <-l.startedC:
		default:
			close(l.startedC)
		}
	case "pipeline stopped":
		c := counters{In: num(rec["in"]), Filtered: num(rec["filtered"]), Out: num(rec["out"])}
		l.stop = &c
	}
}

func num(v any) int64 {
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	return -1
}

// tail returns the last log lines, for error messages.
func (l *logFollower) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tailLocked()
}

func (l *logFollower) tailLocked() string {
	if len(l.lines) == 0 {
		return "(sluice logged nothing)"
	}
	return "sluice's last log lines:\n  " + strings.Join(l.lines, "\n  ")
}

// warnings returns the WARN and ERROR lines logged so far.
func (l *logFollower) warnings() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// listenAddr waits for the tcp input's "listening" line.
func (p *proc) listenAddr(ctx context.Context) (string, error) {
	select {
	case a := <-p.log.addrC:
		return a, nil
	case <-p.exited:
		return "", fmt.Errorf("sluice exited before listening: %v\n%s", p.waitErr, p.log.tail())
	case <-ctx.Done():
		return "", fmt.Errorf("sluice did not log a listening address: %w\n%s", ctx.Err(), p.log.tail())
	}
}

// startedAt waits for "pipeline started" and returns the time sluice
// logged it.
func (p *proc) startedAt(ctx context.Context) (time.Time, error) {
	select {
	case <-p.log.startedC:
		p.log.mu.Lock()
		defer p.log.mu.Unlock()
		return p.log.started, nil
	case <-p.exited:
		return time.Time{}, fmt.Errorf("sluice exited before the pipeline started: %v\n%s", p.waitErr, p.log.tail())
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("pipeline did not start: %w\n%s", ctx.Err(), p.log.tail())
	}
}
