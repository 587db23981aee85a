package pipetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/internal/mmdbtest"
	"github.com/sluicelog/sluice/internal/pipetest"
	_ "github.com/sluicelog/sluice/plugins/all"
)

// TestRepositoryCases runs the data-driven cases in testdata/pipelines.
func TestRepositoryCases(t *testing.T) {
	cases, err := pipetest.Cases(filepath.Join("..", "..", "testdata", "pipelines"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 3 {
		t.Fatalf("found %d cases", len(cases))
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res := pipetest.Run(dir, nil)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			for _, d := range res.Diffs {
				t.Error(d)
			}
		})
	}
}

func writeCase(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMismatchesAreListed(t *testing.T) {
	dir := writeCase(t, map[string]string{
		"pipeline.conf":   `filter { mutate { add_field => { "a" => "1" "[n][x]" => "y" } } }`,
		"input":           "one\ntwo\n",
		"expected.ndjson": `{"message":"one","a":"2","n":{"x":"y"},"b":true}` + "\n",
	})
	res := pipetest.Run(dir, nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []string{
		`event 1: [a]: want "2", got "1"`,
		`event 1: [b]: missing, want true`,
		`event 2: produced but not expected: `,
	}
	got := strings.Join(res.Diffs, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("diffs lack %q:\n%s", w, got)
		}
	}
	if len(res.Diffs) != 3 {
		t.Errorf("%d diffs, want 3:\n%s", len(res.Diffs), got)
	}
}

func TestTimestampComparedOnlyWhenExpected(t *testing.T) {
	dir := writeCase(t, map[string]string{
		"pipeline.conf":   `filter { }`,
		"input.ndjson":    `{"message":"m","@timestamp":"2026-01-02T03:04:05.678Z"}` + "\n",
		"expected.ndjson": `{"message":"m","@timestamp":"2026-01-02T03:04:05.000Z"}` + "\n",
	})
	res := pipetest.Run(dir, nil)
	if len(res.Diffs) != 1 || !strings.Contains(res.Diffs[0], "[@timestamp]") {
		t.Fatalf("diffs %q, want one about @timestamp", res.Diffs)
	}
	dir = writeCase(t, map[string]string{
		"pipeline.conf":   `filter { }`,
		"input":           "m\n",
		"expected.ndjson": `{"message":"m"}` + "\n",
	})
	if res := pipetest.Run(dir, nil); !res.Passed() {
		t.Fatalf("%v %q", res.Err, res.Diffs)
	}
}

func TestBadCasesReportErrors(t *testing.T) {
	cases := map[string]map[string]string{
		"config error": {"pipeline.conf": `filter { mutat { } }`, "input": "x\n", "expected.ndjson": ""},
		"no input":     {"pipeline.conf": `filter { }`, "expected.ndjson": ""},
		"bad expected": {"pipeline.conf": `filter { }`, "input": "x\n", "expected.ndjson": "{nope\n"},
	}
	wants := map[string]string{
		"config error": `did you mean "mutate"?`,
		"no input":     "needs an input or input.ndjson file",
		"bad expected": "expected.ndjson:1:",
	}
	for name, files := range cases {
		res := pipetest.Run(writeCase(t, files), nil)
		if res.Err == nil || !strings.Contains(res.Err.Error(), wants[name]) {
			t.Errorf("%s: err %v, want %q", name, res.Err, wants[name])
		}
	}
}

func TestCaseSettings(t *testing.T) {
	dir := writeCase(t, map[string]string{
		// geoip without a target needs ECS compatibility off, and finds its
		// database under path.data.
		"pipeline.conf":   `filter { geoip { source => "clientip" fields => ["city_name"] } }`,
		"input.ndjson":    `{"clientip":"203.0.113.7"}` + "\n",
		"expected.ndjson": `{"clientip":"203.0.113.7","geoip":{"city_name":"Testville"}}` + "\n",
		"sluice.yml":      "pipeline.ecs_compatibility: disabled\npath.data: state\n",
	})
	if err := os.MkdirAll(filepath.Join(dir, "state", "geoip"), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := mmdbtest.CityBytes("GeoLite2-City", []mmdbtest.City{{Network: "203.0.113.0/24", City: "Testville", HasLocation: true}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state", "geoip", "GeoLite2-City.mmdb"), db, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLUICE_GEOIP_DATABASE_DIR", "")
	res := pipetest.Run(dir, nil)
	if !res.Passed() {
		t.Fatalf("err %v, diffs %q", res.Err, res.Diffs)
	}

	// Without the settings file: ECS (the default) wants a target.
	if err := os.Remove(filepath.Join(dir, "sluice.yml")); err != nil {
		t.Fatal(err)
	}
	if res := pipetest.Run(dir, nil); res.Err == nil || !strings.Contains(res.Err.Error(), "target") {
		t.Errorf("without sluice.yml: err %v", res.Err)
	}

	// Other settings are refused, not ignored.
	if err := os.WriteFile(filepath.Join(dir, "sluice.yml"), []byte("pipeline.workers: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := pipetest.Run(dir, nil); res.Err == nil || !strings.Contains(res.Err.Error(), "may only set") {
		t.Errorf("pipeline.workers: err %v", res.Err)
	}
}
