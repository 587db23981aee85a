//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts. They are generous on purpose: the suite runs on two cores,
// with the race detector, beside other tests.
const (
	startTimeout = 30 * time.Second // until "pipeline started"
	exitTimeout  = 30 * time.Second // from a stop signal to the exit
)

// outBuf collects a stream of the process (stdout or stderr) and wakes
// waiters on every write.
type outBuf struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newOutBuf() *outBuf { return &outBuf{changed: make(chan struct{})} }

func (b *outBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return len(p), nil
}

// String returns everything written so far.
func (b *outBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *outBuf) snapshot() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String(), b.changed
}

// proc is a running sluice process.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdout *outBuf
	stderr *outBuf
	done   chan struct{} // closed when the process has exited
	state  *os.ProcessState
	errW   error // from cmd.Wait when the process did not run
}

// procOpts are how to start sluice.
type procOpts struct {
	args  []string
	bin   string    // the binary (default sluiceBin)
	env   []string  // added to the environment
	stdin io.Reader // nil: /dev/null
	dir   string    // working directory (default: a fresh temp dir)
	// cred runs the process as another user (nil: as the test's user).
	cred *syscall.Credential
}

// startSluice starts the binary. The process is killed when the test ends
// if it still runs; its output is logged if the test failed.
func startSluice(t testing.TB, o procOpts) *proc {
	t.Helper()
	if o.bin == "" {
		o.bin = sluiceBin
	}
	cmd := exec.Command(o.bin, o.args...)
	cmd.Env = append(os.Environ(), o.env...)
	if o.bin != sluicePlainBin {
		// A data race in the server must fail the test: exit at once with
		// the race detector's code.
		cmd.Env = append(cmd.Env, "GORACE=halt_on_error=1 exitcode=66 atexit_sleep_ms=100")
	}
	cmd.Stdin = o.stdin
	if o.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
	}
	cmd.Dir = o.dir
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir() // path.data defaults to ./data
	}
	p := &proc{t: t, cmd: cmd, stdout: newOutBuf(), stderr: newOutBuf(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sluice %q: %v", o.args, err)
	}
	go func() {
		err := cmd.Wait()
		p.state = cmd.ProcessState
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			p.errW = err
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("sluice %s\n--- stderr (last 8 KiB):\n%s\n--- stdout (last 4 KiB):\n%s",
				strings.Join(o.args, " "), tail(p.stderr.String(), 8<<10), tail(p.stdout.String(), 4<<10))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// runSluice runs sluice to completion and returns its exit code, stdout
// and stderr.
func runSluice(t testing.TB, o procOpts) (int, string, string) {
	t.Helper()
	p := startSluice(t, o)
	code := p.wait(exitTimeout)
	return code, p.stdout.String(), p.stderr.String()
}

// pid returns the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// waitFor waits until the stream's text satisfies match, the process
// exits, or timeout passes; it fails the test in the last two cases.
// It returns match's result.
func (p *proc) waitFor(b *outBuf, what string, timeout time.Duration, match func(string) (string, bool)) string {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s, changed := b.snapshot()
		if m, ok := match(s); ok {
			return m
		}
		select {
		case <-changed:
		case <-p.done:
			// Take the last output into account before giving up.
			if m, ok := match(b.String()); ok {
				return m
			}
			p.t.Fatalf("sluice exited (%s) before %s", p.describeExit(), what)
		case <-deadline.C:
			p.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

// waitStderr waits for a line of stderr matching re and returns it.
func (p *proc) waitStderr(re *regexp.Regexp, timeout time.Duration) string {
	p.t.Helper()
	return p.waitFor(p.stderr, fmt.Sprintf("stderr to match %q", re), timeout, firstLine(re))
}

// waitStdoutCount waits until re matches n times in stdout.
func (p *proc) waitStdoutCount(re *regexp.Regexp, n int, timeout time.Duration) {
	p.t.Helper()
	p.waitFor(p.stdout, fmt.Sprintf("%d matches of %q in stdout", n, re), timeout, func(s string) (string, bool) {
		return "", len(re.FindAllStringIndex(s, -1)) >= n
	})
}

func firstLine(re *regexp.Regexp) func(string) (string, bool) {
	return func(s string) (string, bool) {
		for _, line := range strings.Split(s, "\n") {
			if re.MatchString(line) {
				return line, true
			}
		}
		return "", false
	}
}

var startedRE = regexp.MustCompile(`level=INFO msg="pipeline started"`)

// waitReady waits for the "pipeline started" log line (printed once every
// input listens) and returns it.
func (p *proc) waitReady() string {
	p.t.Helper()
	return p.waitStderr(startedRE, startTimeout)
}

// logAttr returns the value of key=value in a slog text line.
func logAttr(line, key string) string {
	re := regexp.MustCompile(`(?:^| )` + regexp.QuoteMeta(key) + `=("(?:[^"\\]|\\.)*"|\S*)`)
	m := re.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	if v, err := strconv.Unquote(m[1]); err == nil {
		return v
	}
	return m[1]
}

// signal sends sig to the process.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the exit and returns the exit code; it fails the test if
// the process does not exit in time or was killed by a signal.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.t.Fatalf("sluice still running %v after it should have stopped", timeout)
	}
	if p.errW != nil {
		p.t.Fatalf("sluice: %v", p.errW)
	}
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		p.t.Fatalf("sluice was killed by signal %v", ws.Signal())
	}
	if p.state.ExitCode() == 66 && raceEnabled && strings.Contains(p.stderr.String(), "WARNING: DATA RACE") {
		p.t.Errorf("sluice: the race detector found a data race (see stderr)")
	}
	return p.state.ExitCode()
}

// stop sends SIGTERM and expects a clean exit (code 0).
func (p *proc) stop() {
	p.t.Helper()
	p.signal(syscall.SIGTERM)
	if code := p.wait(exitTimeout); code != 0 {
		p.t.Fatalf("sluice exited with code %d after SIGTERM, want 0", code)
	}
}

func (p *proc) describeExit() string {
	if p.state == nil {
		return fmt.Sprintf("%v", p.errW)
	}
	return p.state.String()
}

// vmHWM returns the process's peak resident set size from /proc.
func vmHWM(t testing.TB, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("read process status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				if err == nil {
					return n << 10
				}
			}
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
