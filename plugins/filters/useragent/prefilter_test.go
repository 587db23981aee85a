package useragent

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/ua-parser/uap-go/uaparser"
)

// sampleUAs are user agents of many kinds, including case-insensitive
// matches and non-ASCII text.
var sampleUAs = []string{
	chromeMac, firefoxWin, googlebotIPhone, ie9Vista, "", "-", "curl/8.5.0", "python-requests/2.31.0",
	"Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.106 Mobile Safari/537.36",
	"Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"Dalvik/2.1.0 (Linux; U; Android 9; Redmi Note 7 MIUI/V10.3.5.0.PFGMIXM)",
	"Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
	"Opera/9.80 (Windows NT 6.1; U; ru) Presto/2.10.229 Version/11.62",
	"MOZILLA/5.0 (WINDOWS NT 6.1) APPLEWEBKIT CHROME/32.0 SAFARI",
	"Mozilla/5.0 (Linux; Android 4.4.2; ſamsung SM-T530 Build/KOT49H) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/33.0 Safari/537.36",
	"Mozilla/5.0 (Linux; Android 7.0; \u212aindle Fire) AppleWebKit/537.36 (KHTML, like Gecko) Silk/80.5.3 like Chrome/80.0 Safari/537.36",
	"Mozilla/5.0 (PlayStation 4 5.55) AppleWebKit/601.2 (KHTML, like Gecko)",
	"Mozilla/5.0 (SMART-TV; Linux; Tizen 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Version/5.0 TV Safari/537.36",
	"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
	"Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0 Mobile Safari/537.36 Edge/15.14977",
}

// corpus adds (up to 150 of) the distinct user agents of the shared Apache
// sample when it is there (beside the repository).
func corpus(t testing.TB) []string {
	out := append([]string(nil), sampleUAs...)
	for _, p := range []string{"../../../../shared/data/apache_logs", "../../../shared/data/apache_logs"} {
		f, err := os.Open(filepath.FromSlash(p))
		if err != nil {
			continue
		}
		defer f.Close()
		seen := map[string]bool{}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			parts := strings.Split(sc.Text(), `"`)
			if len(parts) >= 6 && !seen[parts[5]] && len(seen) < 150 {
				seen[parts[5]] = true
				out = append(out, parts[5])
			}
		}
		break
	}
	return out
}

func same(t testing.TB, ref *uaparser.Parser, fast *fastParser, ua string) {
	t.Helper()
	u, o, d := fast.parse(ua)
	if want := ref.ParseUserAgent(ua); *u != *want {
		t.Errorf("%q: user agent %+v, uap-go %+v", ua, *u, *want)
	}
	if want := ref.ParseOs(ua); *o != *want {
		t.Errorf("%q: os %+v, uap-go %+v", ua, *o, *want)
	}
	if want := ref.ParseDevice(ua); *d != *want {
		t.Errorf("%q: device %+v, uap-go %+v", ua, *d, *want)
	}
}

// TestPrefilterSameResults checks that skipping expressions by their
// literals changes no result.
func TestPrefilterSameResults(t *testing.T) {
	fast, err := defaultParser()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		t.Fatal(err)
	}
	skipped, total := 0, 0
	uas := corpus(t)
	for _, ua := range uas {
		same(t, ref, fast, ua)
		lower := strings.ToLower(ua)
		for _, n := range fast.ua {
			total++
			if !n.ok(ua, lower) {
				skipped++
			}
		}
	}
	t.Logf("%d user agents; the prefilter skipped %d%% of the user-agent expressions", len(uas), 100*skipped/max(total, 1))
}

func TestRequired(t *testing.T) {
	for _, tc := range []struct {
		re   string
		want filter
	}{
		{`(Chrome)/(\d+)\.(\d+)`, filter{{{s: "Chrome"}}, {{s: "/"}}, {{s: "."}}}},
		{`(?i)(bot|spider)`, filter{{{s: "bot", fold: true}, {s: "spider", fold: true}}}},
		{`(?i)xyz(Bot)`, filter{{{s: "xyz", fold: true}}, {{s: "bot", fold: true}}}},
		{`(?:Mobile)?Safari/(\d+)`, filter{{{s: "Safari/"}}}},
		{`(Opera)+ Mini|(Fennec)`, filter{{{s: "Opera"}, {s: "Fennec"}}}},
		{`(a|b*)c`, filter{{{s: "c"}}}},
		{`a*b?`, nil},
	} {
		got := required(mustParse(t, tc.re))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.re, got, tc.want)
		}
	}
}

func FuzzPrefilter(f *testing.F) {
	for _, ua := range sampleUAs {
		f.Add(ua)
	}
	fast, err := defaultParser()
	if err != nil {
		f.Fatal(err)
	}
	ref, err := uaparser.New(uaparser.WithCacheSize(1))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		if len(ua) > maxUserAgent {
			ua = ua[:maxUserAgent]
		}
		same(t, ref, fast, ua)
	})
}

func mustParse(t *testing.T, re string) *syntax.Regexp {
	t.Helper()
	r, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
