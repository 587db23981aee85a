package grok

import (
	"strings"
	"sync"
	"testing"
)

// dfaPatterns are expressions whose DFA stays small; the tests check that
// it never rejects a text the expression matches.
var dfaPatterns = []string{
	"%{SYSLOGLINE}", "%{SYSLOG5424LINE}", "%{HTTPD_ERRORLOG}", "%{TIMESTAMP_ISO8601:ts} %{LOGLEVEL:level} %{GREEDYDATA:msg}",
	"^%{IPORHOST:host} %{WORD:x} %{NUMBER:n}$", "%{CRONLOG}", "%{JAVASTACKTRACEPART}", "%{IPV4:ip}",
	`(?<![0-9])x%{INT:n}(?!y)`, "(?=%{INT:n}x)%{WORD:w}", "ü+%{WORD:w}", "(?m)^a.b$",
}

func TestDFA(t *testing.T) {
	tests := []struct {
		pattern, line string
		possible      bool
	}{
		{"%{SYSLOGLINE}", apacheLine, false},
		{"%{SYSLOGLINE}", "Nov 24 06:02:59 web-1 sshd[4123]: Accepted publickey", true},
		{"%{IPV4:ip}", "no address here", false},
		{"%{IPV4:ip}", "at 10.1.2.3.", true},
		// Anchored: only the text start counts.
		{"^%{IPORHOST:host} %{WORD:x} %{NUMBER:n}$", "!host word 12", false},
		{"^%{IPORHOST:host} %{WORD:x} %{NUMBER:n}$", "host word 12", true},
		// Lookarounds are relaxed (a superset), never stricter.
		{`(?<![0-9])x%{INT:n}`, "1x2", true},
		// Non-ASCII text and runes in the expression.
		{"ü+%{WORD:w}", "grüß üüa", true},
		{"ü+%{WORD:w}", "gruss", false},
		{"%{IPV4:ip}", "\xff\xfe 1.2.3.4", true},
		// ^ and $ at line breaks in the multi-line variant.
		{"(?m)^a.b$", "x\na\nb", true},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern, defs(Legacy, nil), true)
		if err != nil {
			t.Fatal(err)
		}
		q := p
		if q.multiline != nil && strings.Contains(tt.line, "\n") {
			q = q.multiline
		}
		if q.dfa == nil {
			t.Fatalf("%s: no DFA", tt.pattern)
		}
		if got := q.dfa.possible(tt.line); got != tt.possible {
			t.Errorf("%s on %q: possible = %v, want %v", tt.pattern, tt.line, got, tt.possible)
		}
	}
}

// A DFA that grows past its limit gives up and answers "yes".
func TestDFALimit(t *testing.T) {
	// (a|b)*a(a|b){12}: the classic expression whose DFA has 2^13 states.
	p, err := Compile(`(?:a|b)*a(?:a|b){12}c`, defs(Legacy, nil), true)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	x := uint32(2463534242)
	for i := 0; i < 20000; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte("ab"[x&1])
	}
	if !p.dfa.possible(b.String()) || !p.dfa.failed.Load() {
		t.Fatal("the DFA did not give up")
	}
	if p.Match(b.String()+"c") == nil || p.Match(b.String()) != nil {
		t.Fatal("wrong match after the DFA gave up")
	}
}

// FuzzDFA: the DFA never rejects a text its expression matches.
func FuzzDFA(f *testing.F) {
	f.Add(apacheLine)
	f.Add("Nov 24 06:02:59 web-1 sshd[4123]: Accepted")
	f.Add("2026-11-24T06:02:59Z INFO started\n[Tue Nov 24 06:02:59 2026] [error] x")
	var ps []*Pattern
	for _, expr := range dfaPatterns {
		p, err := Compile(expr, defs(Legacy, nil), true)
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, p := range ps {
			q := p
			if q.multiline != nil && strings.Contains(line, "\n") {
				q = q.multiline
			}
			if q.re.MatchString(line) && !q.dfa.possible(line) {
				t.Fatalf("%s: the DFA rejects %q, which the expression matches", p, line)
			}
		}
	})
}

// Goroutines share a DFA while it is being built (run with -race).
func TestDFAConcurrent(t *testing.T) {
	p, err := Compile("%{SYSLOGLINE}", defs(Legacy, nil), true)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{apacheLine, "Nov 24 06:02:59 web-1 sshd[4123]: Accepted", "2026-11-24T06:02:59Z h app: ü x", "nothing at all"}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				l := lines[(g+i)%len(lines)]
				if (p.Match(l) != nil) != p.re.MatchString(l) {
					errs <- l
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for l := range errs {
		t.Errorf("wrong result on %q", l)
	}
}

// A DFA that rejects almost nothing during its trial gives up.
func TestDFATrial(t *testing.T) {
	p, err := Compile("%{WORD:w} %{INT:n}", defs(Legacy, nil), true)
	if err != nil {
		t.Fatal(err)
	}
	q, err := Compile("%{WORD:w} %{INT:n}", defs(Legacy, nil), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < dfaTrial+10; i++ {
		p.Match("word 12")
		if i%2 == 0 {
			q.Match("word 12")
		} else {
			q.Match("nothing")
		}
	}
	if p.dfa.alive() {
		t.Error("the DFA of a pattern that always matches is still there")
	}
	if !q.dfa.alive() {
		t.Error("the DFA that rejects half the texts gave up")
	}
	if p.Match("word 12") == nil || q.Match("nothing") != nil {
		t.Error("wrong matches")
	}
}
