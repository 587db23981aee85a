package agent

import "github.com/sluicelog/sluice/config"

// listenAddresses returns the addresses of cfg's pipeline inputs.
func listenAddresses(cfg *config.Pipeline) []string {
	return pluginStrings(cfg, "input", "address")
}

// sendAddresses returns the send_to addresses of cfg's pipeline outputs.
func sendAddresses(cfg *config.Pipeline) []string {
	return pluginStrings(cfg, "output", "send_to")
}

// pluginStrings collects the string values of attr on every `pipeline`
// plugin of the sections of kind.
func pluginStrings(cfg *config.Pipeline, kind, attr string) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	var walk func([]config.Statement)
	walk = func(body []config.Statement) {
		for _, st := range body {
			switch st := st.(type) {
			case *config.Plugin:
				if st.Name != "pipeline" {
					continue
				}
				for _, a := range st.Attrs {
					if a.Name == attr {
						out = appendStrings(out, a.Value)
					}
				}
			case *config.If:
				for _, b := range st.Branches {
					walk(b.Body)
				}
			}
		}
	}
	for _, sec := range cfg.Sections {
		if sec.Kind == kind {
			walk(sec.Body)
		}
	}
	return out
}

func appendStrings(out []string, v config.Value) []string {
	switch v := v.(type) {
	case *config.String:
		out = append(out, v.Value)
	case *config.Bareword:
		out = append(out, v.Value)
	case *config.Array:
		for _, it := range v.Items {
			out = appendStrings(out, it)
		}
	}
	return out
}
