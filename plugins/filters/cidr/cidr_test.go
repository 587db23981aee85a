package cidr

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
	"github.com/sluicelog/sluice/plugin/plugintest"
)

func build(t *testing.T, conf string) *Filter {
	t.Helper()
	return plugintest.Build(t, plugin.KindFilter, conf).Plugin.(*Filter)
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name, conf string
		in         map[string]any
		want       bool
	}{
		{"v4 in", `cidr { address => ["%{ip}"] network => ["192.0.2.0/24"] }`, map[string]any{"ip": "192.0.2.77"}, true},
		{"v4 out", `cidr { address => ["%{ip}"] network => ["192.0.2.0/24"] }`, map[string]any{"ip": "192.0.3.1"}, false},
		{"second address", `cidr { address => ["%{src}", "%{dst}"] network => ["10.0.0.0/8"] }`, map[string]any{"src": "8.8.8.8", "dst": "10.1.2.3"}, true},
		{"second network", `cidr { address => ["%{ip}"] network => ["10.0.0.0/8", "169.254.0.0/16"] }`, map[string]any{"ip": "169.254.1.1"}, true},
		{"single host network", `cidr { address => ["%{ip}"] network => ["192.0.2.7"] }`, map[string]any{"ip": "192.0.2.7"}, true},
		{"unmasked network", `cidr { address => ["%{ip}"] network => ["192.0.2.5/24"] }`, map[string]any{"ip": "192.0.2.200"}, true},
		{"v6 in", `cidr { address => ["%{ip}"] network => ["2001:db8::/32"] }`, map[string]any{"ip": "2001:db8:1::5"}, true},
		{"v6 out", `cidr { address => ["%{ip}"] network => ["2001:db8::/32"] }`, map[string]any{"ip": "2001:db9::5"}, false},
		{"v4 never in v6", `cidr { address => ["%{ip}"] network => ["::/0"] }`, map[string]any{"ip": "192.0.2.1"}, false},
		{"mapped v4", `cidr { address => ["%{ip}"] network => ["192.0.2.0/24"] }`, map[string]any{"ip": "::ffff:192.0.2.1"}, true},
		{"invalid address", `cidr { address => ["%{ip}"] network => ["0.0.0.0/0"] }`, map[string]any{"ip": "not an ip"}, false},
		{"missing field", `cidr { address => ["%{ip}"] network => ["0.0.0.0/0"] }`, map[string]any{}, false},
		{"dynamic network", `cidr { address => ["%{ip}"] network => ["%{net}"] }`, map[string]any{"ip": "10.0.0.1", "net": "10.0.0.0/30"}, true},
		{"dynamic network invalid", `cidr { address => ["%{ip}"] network => ["%{net}"] }`, map[string]any{"ip": "10.0.0.1", "net": "bad"}, false},
		{"address_field array", `cidr { address_field => "[host][ip]" network => ["10.0.0.0/8"] }`, map[string]any{"host": map[string]any{"ip": []any{"fe80::1", "10.2.3.4"}}}, true},
		{"address_field string out", `cidr { address_field => "[host][ip]" network => ["10.0.0.0/8"] }`, map[string]any{"host": map[string]any{"ip": "11.2.3.4"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := build(t, tt.conf)
			if got := f.Filter(event.FromMap(tt.in), nil); got != tt.want {
				t.Errorf("Filter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNetworkPath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nets")
	if err := os.WriteFile(path, []byte("10.0.0.0/8\n\n  192.0.2.0/24  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := build(t, fmt.Sprintf(`cidr { address => ["%%{ip}"] network_path => %q refresh_interval => 0.001 }`, path))
	check := func(ip string, want bool) {
		t.Helper()
		if got := f.Filter(event.FromMap(map[string]any{"ip": ip}), nil); got != want {
			t.Errorf("%s: Filter = %v, want %v", ip, got, want)
		}
	}
	check("10.9.9.9", true)
	check("192.0.2.3", true)
	check("172.16.0.1", false)

	// A changed file is read again.
	if err := os.WriteFile(path, []byte("172.16.0.0/12"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !f.Filter(event.FromMap(map[string]any{"ip": "172.16.0.1"}), nil) {
		if time.Now().After(deadline) {
			t.Fatal("file not reloaded")
		}
		time.Sleep(time.Millisecond)
	}
	check("10.9.9.9", false)

	// A broken file keeps the previous networks.
	if err := os.WriteFile(path, []byte("bogus"), 0o600); err != nil {
		t.Fatal(err)
	}
	later := future.Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // let refresh_interval pass: reload attempts are rate-limited
	for range 3 {
		check("172.16.0.1", true)
	}
}

func TestSeparator(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nets")
	if err := os.WriteFile(path, []byte("10.0.0.0/8,192.0.2.0/24"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := build(t, fmt.Sprintf(`cidr { address => ["%%{ip}"] network_path => %q separator => "," }`, path))
	if !f.Filter(event.FromMap(map[string]any{"ip": "192.0.2.1"}), nil) {
		t.Error("no match")
	}
}

func TestConfigErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("10.0.0.0/8\nnope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, conf := range []string{
		`cidr { network => ["10.0.0.0/8"] }`,
		`cidr { address => ["%{ip}"] }`,
		`cidr { address => ["%{ip}"] network => ["10.0.0.0/33"] }`,
		`cidr { address => ["%{ip}"] network => ["banana"] }`,
		`cidr { address => ["%{ip}"] network_path => "/nonexistent/file" }`,
		fmt.Sprintf(`cidr { address => ["%%{ip}"] network_path => %q }`, bad),
	} {
		if _, err := plugintest.BuildErr(plugin.KindFilter, conf); err == nil {
			t.Errorf("%s: no error", conf)
		}
	}
}

func BenchmarkFilter(b *testing.B) {
	in, err := plugintest.BuildErr(plugin.KindFilter, `cidr { address => ["%{ip}"] network => ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] }`)
	if err != nil {
		b.Fatal(err)
	}
	f := in.Plugin.(*Filter)
	e := event.FromMap(map[string]any{"ip": "192.168.1.1"})
	b.ReportAllocs()
	for b.Loop() {
		f.Filter(e, nil)
	}
}

func FuzzParseNetwork(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:10.0.0.0/104", "fe80::1%eth0", "1.2.3.4/", "/8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseNetwork(s)
		if err == nil && !p.IsValid() {
			t.Fatalf("ParseNetwork(%q) = invalid prefix without error", s)
		}
	})
}
