package http

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
	_ "github.com/sluicelog/sluice/plugins/codecs/json"
	_ "github.com/sluicelog/sluice/plugins/codecs/json_lines"
	_ "github.com/sluicelog/sluice/plugins/codecs/line"
	_ "github.com/sluicelog/sluice/plugins/codecs/plain"
)

// build builds an http input through the configuration parser and the
// registry, as the engine does. extra is settings in pipeline syntax;
// host and port default to 127.0.0.1 and 0.
func build(t testing.TB, extra string) *Input {
	t.Helper()
	inst, err := plugintest.BuildErr(plugin.KindInput, configText(extra))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(func() { inst.Close() })
	return inst.Plugin.(*Input)
}

func buildErr(extra string) error {
	inst, err := plugintest.BuildErr(plugin.KindInput, configText(extra))
	if err == nil {
		inst.Close()
	}
	return err
}

func configText(extra string) string {
	port := "port => 0"
	if strings.Contains(extra, "port =>") {
		port = ""
	}
	return fmt.Sprintf(`http { host => "127.0.0.1" %s %s }`, port, extra)
}

// start runs in until the test ends and returns its base URL.
func start(t testing.TB, in *Input, q plugin.Queue, scheme string) (url string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, q) }()
	select {
	case <-in.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("input not ready")
	}
	if in.Addr() == nil {
		cancel()
		t.Fatalf("input failed to listen: %v", <-done)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				err = fmt.Errorf("Run did not return within 15s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return scheme + "://" + in.Addr().String(), stop
}

// post sends body with the given headers (name, value pairs) and returns
// the status code and response body.
func post(t testing.TB, c *http.Client, url string, body []byte, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
