package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sluicelog/sluice/internal/suggest"
)

// PipelinesFile is the name of the multiple-pipelines file in the
// settings directory, as Logstash's.
const PipelinesFile = "pipelines.yml"

// maxPipelinesFileSize bounds pipelines.yml.
const maxPipelinesFileSize = 4 << 20

// PipelineEntry is one pipeline of pipelines.yml.
type PipelineEntry struct {
	// Settings are the node settings (sluice.yml and flags) with this
	// pipeline's keys applied over them, as Logstash does.
	Settings Settings
	// Line is the line of the entry in the file.
	Line int
}

// perPipeline reports whether a key may be set in pipelines.yml.
func perPipeline(key string) bool {
	for _, p := range []string{"pipeline.", "queue.", "dead_letter_queue."} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	switch key {
	case "path.config", "config.string", "config.support_escapes", "path.queue", "path.dead_letter_queue", "config.debug":
		return true
	}
	return false
}

// LoadPipelinesFile reads dir/pipelines.yml. It returns "" and no entries
// when the file does not exist.
func LoadPipelinesFile(dir string, base Settings) (string, []PipelineEntry, []Warning, error) {
	path := filepath.Join(dir, PipelinesFile)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return "", nil, nil, nil
	}
	if err != nil {
		return path, nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return path, nil, nil, err
	}
	if st.Size() > maxPipelinesFileSize {
		return path, nil, nil, fmt.Errorf("%s: %d bytes is over the limit of %d", path, st.Size(), maxPipelinesFileSize)
	}
	src := make([]byte, st.Size())
	if _, err := f.ReadAt(src, 0); err != nil && st.Size() > 0 {
		return path, nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	entries, warns, err := ParsePipelines(path, src, base, os.LookupEnv)
	return path, entries, warns, err
}

// ParsePipelines reads a pipelines.yml document: a list of mappings, each
// with pipeline.id and either path.config or config.string, plus
// per-pipeline settings (pipeline.workers, pipeline.batch.size,
// pipeline.batch.delay, pipeline.ecs_compatibility, queue.*, ...). Keys may
// be flat ("pipeline.id: a") or nested. Every error is reported, each with
// name:line.
func ParsePipelines(name string, src []byte, base Settings, lookup func(string) (string, bool)) ([]PipelineEntry, []Warning, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, fmt.Errorf("%s: no pipeline: the file is empty", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.SequenceNode {
		return nil, nil, fmt.Errorf("%s:%d: expected a list of pipelines (- pipeline.id: main ...)", name, root.Line)
	}
	if len(root.Content) == 0 {
		return nil, nil, fmt.Errorf("%s:%d: the list of pipelines is empty", name, root.Line)
	}
	var (
		entries []PipelineEntry
		warns   []Warning
		errs    []string
		ids     = map[string]int{}
	)
	for _, item := range root.Content {
		if item.Kind != yaml.MappingNode {
			errs = append(errs, fmt.Sprintf("%s:%d: expected a pipeline (a mapping of settings)", name, item.Line))
			continue
		}
		var flat []flatEntry
		if err := flatten("", item, &flat); err != nil {
			errs = append(errs, fmt.Sprintf("%s:%v", name, err))
			continue
		}
		s := base
		// A pipeline never inherits the node's -f/-e: pipelines.yml is read
		// only without them.
		s.PathConfig, s.ConfigString, s.PipelineID = "", "", ""
		var idSet bool
		for _, e := range flat {
			v, err := substitute(e.value, lookup)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: %s: %v", name, e.line, e.key, err))
				continue
			}
			if contains(ignored, e.key) {
				if perPipeline(e.key) {
					warns = append(warns, Warning{Line: e.line, Msg: fmt.Sprintf("%s is a Logstash setting Sluice does not support yet; ignored", e.key)})
				} else {
					errs = append(errs, fmt.Sprintf("%s:%d: %s is a node setting (sluice.yml); it cannot be set per pipeline", name, e.line, e.key))
				}
				continue
			}
			if contains(Names(), e.key) && !perPipeline(e.key) {
				errs = append(errs, fmt.Sprintf("%s:%d: %s is a node setting (sluice.yml); it cannot be set per pipeline", name, e.line, e.key))
				continue
			}
			if err := s.Apply(e.key, v); err != nil {
				msg := err.Error()
				if strings.HasPrefix(msg, "unknown setting") {
					if sug := suggest.Closest(e.key, Names()); sug != "" {
						msg += fmt.Sprintf("; did you mean %q?", sug)
					}
				}
				errs = append(errs, fmt.Sprintf("%s:%d: %s", name, e.line, msg))
				continue
			}
			if e.key == "pipeline.id" {
				idSet = true
			}
		}
		switch {
		case !idSet || s.PipelineID == "":
			errs = append(errs, fmt.Sprintf("%s:%d: the pipeline has no pipeline.id", name, item.Line))
			continue
		case ids[s.PipelineID] != 0:
			errs = append(errs, fmt.Sprintf("%s:%d: pipeline.id %q is already used (line %d)", name, item.Line, s.PipelineID, ids[s.PipelineID]))
			continue
		}
		ids[s.PipelineID] = item.Line
		switch {
		case s.PathConfig == "" && s.ConfigString == "":
			errs = append(errs, fmt.Sprintf("%s:%d: pipeline %q has neither path.config nor config.string", name, item.Line, s.PipelineID))
			continue
		case s.PathConfig != "" && s.ConfigString != "":
			errs = append(errs, fmt.Sprintf("%s:%d: pipeline %q has both path.config and config.string; give one", name, item.Line, s.PipelineID))
			continue
		}
		entries = append(entries, PipelineEntry{Settings: s, Line: item.Line})
	}
	if len(errs) > 0 {
		return nil, warns, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return entries, warns, nil
}
