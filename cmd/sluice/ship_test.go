package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShipPrintPipeline(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "shipper.yml")
	src := "filebeat.inputs:\n  - type: filestream\n    id: app\n    paths: [/var/log/app/*.log]\noutput.logstash:\n  hosts: [\"127.0.0.1:5044\"]\n  index: \"${BEAT_NAME:app}\"\n"
	if err := os.WriteFile(cfg, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"ship", "-c", cfg, "--print-pipeline"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"input {\n  file {\n    id => \"app\"\n    path => [\"/var/log/app/*.log\"]",
		"\"[@metadata][beat]\" => \"${BEAT_NAME:app}\"", // printed before substitution
		"output {\n  lumberjack {\n    hosts => [\"127.0.0.1:5044\"]\n  }\n}",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("printed pipeline lacks %q:\n%s", want, out.String())
		}
	}
}

func TestShipConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "shipper.yml")
	os.WriteFile(cfg, []byte("filebeat.inputs:\n  - type: filestream\n    id: app\n    paths: [/x]\n    scan.frequency: 1s\noutput.console: {}\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"ship", "-c", cfg, "-t"}, nil, &out, &errOut); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := cfg + `:5:5: unknown setting "scan.frequency"`; !strings.Contains(errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
	}
	if code := run([]string{"ship", "-c", filepath.Join(dir, "missing.yml")}, nil, &out, &errOut); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}
