package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/sluicelog/sluice/config"
	"github.com/sluicelog/sluice/pipeline"
)

// NewSpec makes a pipeline's Spec from its loaded configuration (or the
// error loading it) and settings, with the hash that decides whether a
// reload restarts it: the configuration as parsed and substituted (so a
// change in comments or layout alone does not restart the pipeline) and
// the settings.
func NewSpec(id string, set pipeline.Settings, cfg *config.Pipeline, err error) Spec {
	set.ID = id
	h := sha256.New()
	// Every setting but the logger and registry (the same objects on every
	// load), so settings added later take part without a change here.
	hs := set
	hs.Logger, hs.Registry = nil, nil
	fmt.Fprintf(h, "%+v\n", hs)
	if err != nil {
		fmt.Fprintf(h, "error: %v", err)
		return Spec{ID: id, Settings: set, Err: err, Hash: "err:" + hex.EncodeToString(h.Sum(nil))}
	}
	h.Write(config.Format(cfg))
	return Spec{ID: id, Settings: set, Config: cfg, Hash: hex.EncodeToString(h.Sum(nil))}
}
