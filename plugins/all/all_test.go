package all_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/internal/docgen"
	"github.com/sluicelog/sluice/pipeline"
	"github.com/sluicelog/sluice/plugin"
	_ "github.com/sluicelog/sluice/plugins/all"
)

// TestPluginConventions checks what every plugin promises: a summary, a
// documented setting list whose defaults have the right types, an example
// that is a valid pipeline, and tests beside the code.
func TestPluginConventions(t *testing.T) {
	for _, kind := range plugin.Kinds {
		for _, spec := range plugin.Default.Specs(kind) {
			t.Run(kind.String()+"/"+spec.Name, func(t *testing.T) {
				if strings.TrimSpace(spec.Summary) == "" {
					t.Error("no Summary")
				}
				for _, st := range plugin.SettingsOf(spec).List() {
					if strings.TrimSpace(st.Doc) == "" {
						t.Errorf("setting %q has no doc", st.Name)
					}
					_ = st.DefaultText()
				}
				if strings.TrimSpace(spec.Example) == "" {
					t.Fatal("no Example")
				}
				cfg, err := config.ParseString(spec.Name+"/example.conf", spec.Example)
				if err != nil {
					t.Fatalf("example does not parse: %v", err)
				}
				if !mentions(cfg, kind, spec.Name) {
					t.Errorf("example does not use the plugin")
				}
				p, err := pipeline.New(cfg, pipeline.Settings{DataDir: t.TempDir()})
				if err != nil {
					t.Fatalf("example does not pass check: %v", err)
				}
				_ = p
				dir := pluginDir(t, spec)
				tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
				if len(tests) == 0 {
					t.Errorf("no tests in %s", dir)
				}
			})
		}
	}
}

func mentions(cfg *config.Pipeline, kind plugin.Kind, name string) bool {
	found := false
	var walk func([]config.Statement)
	walk = func(body []config.Statement) {
		for _, st := range body {
			switch st := st.(type) {
			case *config.Plugin:
				if st.Name == name {
					found = true
				}
				for _, a := range st.Attrs {
					if p, ok := a.Value.(*config.Plugin); ok && p.Name == name {
						found = true
					}
					if b, ok := a.Value.(*config.Bareword); ok && kind == plugin.KindCodec && b.Value == name {
						found = true
					}
					if s, ok := a.Value.(*config.String); ok && kind == plugin.KindCodec && a.Name == "codec" && s.Value == name {
						found = true
					}
				}
			case *config.If:
				for _, br := range st.Branches {
					walk(br.Body)
				}
			}
		}
	}
	for _, sec := range cfg.Sections {
		walk(sec.Body)
	}
	return found
}

// pluginDir finds a plugin's folder from its Go package path.
func pluginDir(t *testing.T, spec *plugin.Spec) string {
	typ := reflect.TypeOf(spec.New())
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	const mod = "github.com/sluicelog/sluice/"
	pkg := typ.PkgPath()
	if !strings.HasPrefix(pkg, mod) {
		t.Fatalf("plugin type %s outside the module", pkg)
	}
	return filepath.Join("..", "..", strings.TrimPrefix(pkg, mod))
}

// TestDocsAreGenerated fails when docs/plugins is stale: run `make docs`.
func TestDocsAreGenerated(t *testing.T) {
	root := filepath.Join("..", "..", "docs", "plugins")
	want := docgen.Generate(plugin.Default)
	for rel, content := range want {
		got, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Errorf("%s missing: run `make docs`", rel)
			continue
		}
		if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(content)) {
			t.Errorf("docs/plugins/%s is stale: run `make docs`", rel)
		}
	}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if _, ok := want[rel]; !ok {
			t.Errorf("docs/plugins/%s documents no registered plugin: delete it", rel)
		}
		return nil
	})
}
