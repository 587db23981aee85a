package plugin

// Common holds the options every plugin of a kind accepts. The engine
// applies them (plugins never look at them): inputs' type, tags and
// add_field decorate each event; filters' add_*/remove_* run after a
// successful Filter call.
type Common struct {
	ID               string
	EnableMetric     bool
	ECSCompatibility string

	// Inputs.
	Type string
	Tags []string

	// Inputs and filters.
	AddField Hash

	// Filters.
	AddTag        []string
	RemoveField   []string
	RemoveTag     []string
	PeriodicFlush bool

	// Outputs: accepted for compatibility; the engine decides concurrency.
	Workers int
}

func (c *Common) declare(kind Kind, s *Settings) {
	s.String(&c.ID, "id", "A unique id for this plugin, shown in logs and monitoring. Generated when absent.")
	s.Bool(&c.EnableMetric, "enable_metric", "Collect metrics for this plugin (accepted for compatibility; metrics are always collected).").Default(true)
	s.String(&c.ECSCompatibility, "ecs_compatibility",
		"Elastic Common Schema mode for fields this plugin adds: `disabled`, `v1` or `v8`. Defaults to the pipeline's `pipeline.ecs_compatibility`.").
		Enum("disabled", "v1", "v8")
	switch kind {
	case KindInput:
		s.String(&c.Type, "type", "Sets the `type` field of every event this input produces, unless the event already has one.")
		s.Strings(&c.Tags, "tags", "Tags added to every event this input produces.")
		s.Hash(&c.AddField, "add_field", "Fields added to every event this input produces. Names and values may use `%{field}` references.")
	case KindFilter:
		s.Hash(&c.AddField, "add_field", "Fields added when the filter succeeds. Names and values may use `%{field}` references.")
		s.Strings(&c.AddTag, "add_tag", "Tags added when the filter succeeds; may use `%{field}` references.")
		s.Strings(&c.RemoveField, "remove_field", "Fields removed when the filter succeeds; may use `%{field}` references.")
		s.Strings(&c.RemoveTag, "remove_tag", "Tags removed when the filter succeeds; may use `%{field}` references.")
		s.Bool(&c.PeriodicFlush, "periodic_flush", "Call the filter's flush method at regular intervals.").Default(false)
	case KindOutput:
		s.Int(&c.Workers, "workers", "Accepted for compatibility with Logstash; Sluice calls outputs from every pipeline worker.").Default(1)
	}
}
