package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// payload is a block of newline-terminated events that senders repeat as
// often as needed: it is generated once, in memory, so sending costs only
// the writes.
type payload struct {
	block []byte
	ends  []int // ends[i] is the offset just past event i's newline
}

func newPayload(events [][]byte) *payload {
	p := &payload{}
	for _, e := range events {
		p.block = append(p.block, e...)
		p.block = append(p.block, '\n')
		p.ends = append(p.ends, len(p.block))
	}
	return p
}

// size returns the bytes of n events taken from the block in order,
// starting over at its end.
func (p *payload) size(n int64) int64 {
	full, rem := n/int64(len(p.ends)), n%int64(len(p.ends))
	s := full * int64(len(p.block))
	if rem > 0 {
		s += int64(p.ends[rem-1])
	}
	return s
}

func (p *payload) avgEventSize() float64 {
	return float64(len(p.block)) / float64(len(p.ends))
}

// apachePayload returns raw Apache access log lines: the lines of
// ../shared/data/apache_logs when it can be found (or the file given),
// else generated ones of the same shape.
func apachePayload(dataFile string) (*payload, string, error) {
	path := dataFile
	if path == "" {
		path = findSharedFile(filepath.Join("data", "apache_logs"))
	}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", fmt.Errorf("apache log sample: %w", err)
		}
		defer f.Close()
		var lines [][]byte
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if len(sc.Bytes()) > 0 {
				lines = append(lines, bytes.Clone(sc.Bytes()))
			}
		}
		if err := sc.Err(); err != nil {
			return nil, "", fmt.Errorf("apache log sample %s: %w", path, err)
		}
		if len(lines) > 0 {
			return newPayload(lines), path, nil
		}
	}
	return newPayload(generatedApacheLines(10000)), "generated", nil
}

// findSharedFile looks for shared/<rel> beside the repository root (the
// project's shared folder sits next to the checkout) or inside it; for a
// git worktree, also beside the main checkout.
func findSharedFile(rel string) string {
	root := repoRoot()
	if root == "" {
		return ""
	}
	dirs := []string{filepath.Join(root, "..", "shared"), filepath.Join(root, "shared")}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--path-format=absolute", "--git-common-dir").Output(); err == nil {
		main := filepath.Dir(strings.TrimSpace(string(out)))
		dirs = append(dirs, filepath.Join(main, "..", "shared"))
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, rel)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return filepath.Clean(p)
		}
	}
	return ""
}

// repoRoot walks up from the working directory to the directory holding
// Sluice's go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/sluicelog/sluice")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

var (
	paths = []string{"/index.html", "/presentations/logstash-monitorama-2013/images/kibana-search.png",
		"/articles/dynamic-dns-with-dhcp/", "/reset.css", "/blog/tags/puppet?flav=rss20", "/favicon.ico",
		"/projects/xdotool/", "/style2.css", "/images/jordan-80.png", "/api/v1/orders/12345"}
	agents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"curl/7.88.1",
	}
	statuses = []int{200, 200, 200, 200, 304, 301, 404, 500}
)

// generatedApacheLines makes combined-format access log lines.
func generatedApacheLines(n int) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	t := time.Date(2015, 5, 17, 10, 5, 3, 0, time.UTC)
	out := make([][]byte, n)
	for i := range out {
		t = t.Add(time.Duration(r.IntN(3000)) * time.Millisecond)
		out[i] = fmt.Appendf(nil, `%d.%d.%d.%d - - [%s] "GET %s HTTP/1.1" %d %d "-" "%s"`,
			r.IntN(223)+1, r.IntN(256), r.IntN(256), r.IntN(256), t.Format("02/Jan/2006:15:04:05 -0700"),
			paths[r.IntN(len(paths))], statuses[r.IntN(len(statuses))], r.IntN(300000), agents[r.IntN(len(agents))])
	}
	return out
}

var (
	levels  = []string{"INFO", "INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARNING", "ERROR"}
	loggers = []string{"app.views", "app.models", "app.tasks.billing", "django.request", "celery.worker", "sqlalchemy.engine"}
	hosts   = []string{"web-01", "web-02", "web-03", "worker-01", "worker-02"}
	files   = []string{"/app/views.py", "/app/models.py", "/app/tasks/billing.py"}
	msgs    = []string{
		"user %d logged in",
		"GET /api/v1/orders/%d 200",
		"invoice %d sent to billing",
		"cache miss for key session:%d",
		"slow query on orders (id=%d)",
		"retrying task %d after timeout",
	}
)

// jsonPayload makes n distinct python-logstash-like JSON documents (about
// 210 bytes each): what LogstashFormatterVersion1 sends (@timestamp,
// message, level, logger_name, host, path) and two `extra` fields.
func jsonPayload(n int) *payload {
	r := rand.New(rand.NewPCG(3, 4))
	t := time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	docs := make([][]byte, n)
	for i := range docs {
		t = t.Add(time.Duration(r.IntN(5000)) * time.Microsecond)
		b := []byte(`{"@timestamp":"`)
		b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
		b = append(b, `","message":`...)
		b = strconv.AppendQuote(b, fmt.Sprintf(msgs[r.IntN(len(msgs))], r.IntN(100000)))
		b = append(b, `,"level":"`...)
		b = append(b, levels[r.IntN(len(levels))]...)
		b = append(b, `","logger_name":"`...)
		b = append(b, loggers[r.IntN(len(loggers))]...)
		b = append(b, `","host":"`...)
		b = append(b, hosts[r.IntN(len(hosts))]...)
		b = append(b, `","path":"`...)
		b = append(b, files[r.IntN(len(files))]...)
		b = append(b, `","request_id":"`...)
		b = fmt.Appendf(b, "%08x", r.Uint32())
		b = append(b, `","duration_ms":`...)
		b = strconv.AppendFloat(b, float64(r.IntN(100000))/100, 'f', -1, 64)
		b = append(b, '}')
		docs[i] = b
	}
	return newPayload(docs)
}

// sendStats describes one load run.
type sendStats struct {
	Bytes   int64
	Start   time.Time // the first byte written
	Written time.Time // every connection written and half-closed
	Drained time.Time // sluice closed every connection (it read everything)
	CPU     time.Duration
}

// sendTCP writes events events from p to addr over conns connections as
// fast as it can, in large writes, then half-closes each connection and
// waits for sluice to close it: the tcp input closes a connection once it
// has read it to the end and pushed its last events into the pipeline.
func sendTCP(ctx context.Context, addr string, p *payload, events int64, conns int) (sendStats, error) {
	var st sendStats
	if conns < 1 {
		conns = 1
	}
	cs := make([]*net.TCPConn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	var d net.Dialer
	for i := 0; i < conns; i++ {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return st, fmt.Errorf("connect to sluice at %s: %w", addr, err)
		}
		cs = append(cs, c.(*net.TCPConn))
	}
	cpu0 := selfCPU()
	var wg sync.WaitGroup
	errs := make([]error, conns)
	written := make([]time.Time, conns)
	drained := make([]time.Time, conns)
	sizes := make([]int64, conns)
	startC := make(chan struct{})
	for i, c := range cs {
		n := events / int64(conns)
		if int64(i) < events%int64(conns) {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startC
			if dl, ok := ctx.Deadline(); ok {
				_ = c.SetDeadline(dl)
			}
			sizes[i], errs[i] = writeEvents(c, p, n)
			if errs[i] != nil {
				return
			}
			if err := c.CloseWrite(); err != nil {
				errs[i] = fmt.Errorf("half-close: %w", err)
				return
			}
			written[i] = time.Now()
			// sluice sends nothing: this read returns at its close.
			if _, err := io.Copy(io.Discard, c); err != nil {
				errs[i] = fmt.Errorf("waiting for sluice to close the connection: %w", err)
				return
			}
			drained[i] = time.Now()
		}()
	}
	st.Start = time.Now()
	close(startC)
	wg.Wait()
	st.CPU = selfCPU() - cpu0
	if err := errors.Join(errs...); err != nil {
		return st, err
	}
	for i := range cs {
		st.Bytes += sizes[i]
		if written[i].After(st.Written) {
			st.Written = written[i]
		}
		if drained[i].After(st.Drained) {
			st.Drained = drained[i]
		}
	}
	return st, nil
}

// writeEvents writes n events of p to w, the whole block per write.
func writeEvents(w io.Writer, p *payload, n int64) (int64, error) {
	var total int64
	for n >= int64(len(p.ends)) {
		k, err := w.Write(p.block)
		total += int64(k)
		if err != nil {
			return total, fmt.Errorf("write: %w", err)
		}
		n -= int64(len(p.ends))
	}
	if n > 0 {
		k, err := w.Write(p.block[:p.ends[n-1]])
		total += int64(k)
		if err != nil {
			return total, fmt.Errorf("write: %w", err)
		}
	}
	return total, nil
}
