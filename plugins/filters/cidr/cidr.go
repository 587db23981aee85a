// Package cidr is the cidr filter: checks IP addresses against networks.
package cidr

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicelog/sluice/event"
	"github.com/sluicelog/sluice/plugin"
)

//go:embed example.conf
var example string

func init() {
	plugin.Register(plugin.Spec{
		Kind:    plugin.KindFilter,
		Name:    "cidr",
		Summary: "Checks IP addresses against network blocks; tags or adds fields on a match.",
		Description: `Checks the IP addresses of ` + "`address`" + ` (text with ` + "`%{field}`" + ` references) and of
` + "`address_field`" + ` (a field holding an address or an array of them) against the
networks of ` + "`network`" + ` and ` + "`network_path`" + `. When any address is in any
network, the filter matches and the common options ` + "`add_tag`" + `, ` + "`add_field`" + `,
` + "`remove_tag`" + ` and ` + "`remove_field`" + ` run; otherwise the event is left as it was.

Networks are written ` + "`192.0.2.0/24`" + `, ` + "`2001:db8::/32`" + ` or as a single address
(` + "`192.0.2.7`" + `, a /32 or /128). A network given in ` + "`network`" + ` can hold ` + "`%{field}`" + `
references, resolved per event. ` + "`network_path`" + ` names a file with one network per
entry (entries split by ` + "`separator`" + `, blank ones skipped); it is read again every
` + "`refresh_interval`" + ` seconds when it changed. A file that cannot be read or holds an
invalid network fails the pipeline's start; later, a bad file is logged and the
previous list kept.

Addresses that are not valid IP addresses are skipped (logged at debug level).
IPv4 addresses never match IPv6 networks and the other way round, except that
an IPv4-mapped IPv6 address (` + "`::ffff:192.0.2.1`" + `) is checked as IPv4.`,
		Example: example,
		New:     func() plugin.Plugin { return &Filter{} },
	})
}

// Filter is the cidr filter.
type Filter struct {
	Address         []string
	AddressField    event.Ref
	Network         []string
	NetworkPath     string
	RefreshInterval time.Duration
	Separator       string

	addrs       []*event.Template
	static      []netip.Prefix
	dynamic     []*event.Template
	fileNets    atomic.Pointer[[]netip.Prefix]
	fileMu      sync.Mutex
	fileMod     time.Time
	fileChecked atomic.Int64 // unix nanos of the last check
	logger      *slog.Logger
}

var (
	_ plugin.Filter      = (*Filter)(nil)
	_ plugin.Initializer = (*Filter)(nil)
)

// Settings declares the filter's settings.
func (f *Filter) Settings(s *plugin.Settings) {
	s.Strings(&f.Address, "address", "IP addresses to check, as text with `%{field}` references.").
		Example(`["%{[source][ip]}", "%{[destination][ip]}"]`)
	s.FieldRef(&f.AddressField, "address_field",
		"Field holding the IP address, or an array of them, to check.").Example(`"[host][ip]"`)
	s.Strings(&f.Network, "network", "Networks to check against, in CIDR notation; can hold `%{field}` references.").
		Example(`["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]`)
	s.Path(&f.NetworkPath, "network_path", "File listing networks, one per entry (see `separator`).").
		Example(`"/etc/sluice/networks.txt"`)
	s.Seconds(&f.RefreshInterval, "refresh_interval",
		"How often to check `network_path` for changes and reload it; 0: never.").Default(600 * time.Second)
	s.String(&f.Separator, "separator", "Separator between the networks of `network_path`.").Default("\n")
}

// Init parses the addresses and networks and reads network_path.
func (f *Filter) Init(ctx *plugin.Context) error {
	f.logger = ctx.Logger
	if len(f.Address) == 0 && f.AddressField.IsZero() {
		return errors.New("set address or address_field")
	}
	if len(f.Network) == 0 && f.NetworkPath == "" {
		return errors.New("set network or network_path")
	}
	if f.Separator == "" {
		return errors.New("separator must not be empty")
	}
	for _, a := range f.Address {
		t, err := event.ParseTemplate(a)
		if err != nil {
			return fmt.Errorf("address %q: %w", a, err)
		}
		f.addrs = append(f.addrs, t)
	}
	for _, n := range f.Network {
		t, err := event.ParseTemplate(n)
		if err != nil {
			return fmt.Errorf("network %q: %w", n, err)
		}
		if !t.IsStatic() {
			f.dynamic = append(f.dynamic, t)
			continue
		}
		p, err := ParseNetwork(n)
		if err != nil {
			return fmt.Errorf("network: %w", err)
		}
		f.static = append(f.static, p)
	}
	if f.NetworkPath != "" {
		if err := f.load(); err != nil {
			return err
		}
		f.fileChecked.Store(time.Now().UnixNano())
	}
	return nil
}

// ParseNetwork parses a network in CIDR notation or a single address.
func ParseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid network %q", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid network %q", s)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// load reads network_path; the caller holds fileMu or is Init.
func (f *Filter) load() error {
	st, err := os.Stat(f.NetworkPath)
	if err != nil {
		return fmt.Errorf("network_path: %w", err)
	}
	const maxFile = 64 << 20
	if st.Size() > maxFile {
		return fmt.Errorf("network_path %s: larger than %d bytes", f.NetworkPath, maxFile)
	}
	data, err := os.ReadFile(f.NetworkPath)
	if err != nil {
		return fmt.Errorf("network_path: %w", err)
	}
	var nets []netip.Prefix
	for i, entry := range strings.Split(string(data), f.Separator) {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := ParseNetwork(entry)
		if err != nil {
			return fmt.Errorf("network_path %s, entry %d: %w", f.NetworkPath, i+1, err)
		}
		nets = append(nets, p)
	}
	f.fileNets.Store(&nets)
	f.fileMod = st.ModTime()
	return nil
}

// refresh reloads network_path when refresh_interval has passed and the
// file changed.
func (f *Filter) refresh() {
	if f.RefreshInterval <= 0 {
		return
	}
	now := time.Now().UnixNano()
	last := f.fileChecked.Load()
	if now-last < int64(f.RefreshInterval) || !f.fileChecked.CompareAndSwap(last, now) {
		return
	}
	f.fileMu.Lock()
	defer f.fileMu.Unlock()
	st, err := os.Stat(f.NetworkPath)
	if err != nil {
		f.logger.Warn("cannot check network_path, keeping the networks read before", "path", f.NetworkPath, "error", err)
		return
	}
	if st.ModTime().Equal(f.fileMod) {
		return
	}
	if err := f.load(); err != nil {
		f.logger.Warn("cannot reload network_path, keeping the networks read before", "error", err)
		return
	}
	f.logger.Info("reloaded network_path", "path", f.NetworkPath, "networks", len(*f.fileNets.Load()))
}

// Filter reports whether one of the addresses is in one of the networks.
func (f *Filter) Filter(e *event.Event, _ func(*event.Event)) bool {
	if f.NetworkPath != "" {
		f.refresh()
	}
	var dyn []netip.Prefix
	for _, t := range f.dynamic {
		p, err := ParseNetwork(t.Render(e))
		if err != nil {
			f.logger.Debug("skipping invalid network", "network", t.String(), "error", err)
			continue
		}
		dyn = append(dyn, p)
	}
	for _, t := range f.addrs {
		if f.match(t.Render(e), dyn) {
			return true
		}
	}
	if !f.AddressField.IsZero() {
		v, _ := e.Get(f.AddressField)
		switch x := v.(type) {
		case string:
			return f.match(x, dyn)
		case []any:
			for _, item := range x {
				if s, ok := item.(string); ok && f.match(s, dyn) {
					return true
				}
			}
		}
	}
	return false
}

func (f *Filter) match(s string, dyn []netip.Prefix) bool {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		f.logger.Debug("skipping invalid IP address", "address", s)
		return false
	}
	a = a.Unmap().WithZone("")
	if contains(f.static, a) || contains(dyn, a) {
		return true
	}
	if p := f.fileNets.Load(); p != nil {
		return contains(*p, a)
	}
	return false
}

func contains(nets []netip.Prefix, a netip.Addr) bool {
	for _, n := range nets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}
