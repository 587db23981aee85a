package monitor

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicelog/sluice/pipeline"
)

// /metrics: the same counters in the Prometheus text format, read from
// the pipelines at each scrape. Durations are in seconds, as Prometheus
// names want; flow rates are left to PromQL (rate()).

var (
	labelsPipeline = []string{"pipeline"}
	labelsPlugin   = []string{"pipeline", "plugin_type", "plugin", "id"}

	descEventsIn          = prometheus.NewDesc("sluice_events_in_total", "Events pushed into the pipeline by its inputs.", labelsPipeline, nil)
	descEventsFiltered    = prometheus.NewDesc("sluice_events_filtered_total", "Events that left the filters (clones included, drops excluded).", labelsPipeline, nil)
	descEventsOut         = prometheus.NewDesc("sluice_events_out_total", "Events every output they were routed to accepted.", labelsPipeline, nil)
	descEventsDuration    = prometheus.NewDesc("sluice_events_duration_seconds_total", "Time workers spent on batches (filters and outputs), summed over workers.", labelsPipeline, nil)
	descQueuePushDuration = prometheus.NewDesc("sluice_events_queue_push_duration_seconds_total", "Time inputs spent waiting to push into a full queue, summed over inputs.", labelsPipeline, nil)
	descPluginIn          = prometheus.NewDesc("sluice_plugin_events_in_total", "Events given to a filter or output.", labelsPlugin, nil)
	descPluginOut         = prometheus.NewDesc("sluice_plugin_events_out_total", "Events an input pushed, a filter passed on or an output accepted.", labelsPlugin, nil)
	descPluginDuration    = prometheus.NewDesc("sluice_plugin_duration_seconds_total", "Time spent in a filter (sampled) or an output.", labelsPlugin, nil)
	descPluginQueuePush   = prometheus.NewDesc("sluice_plugin_queue_push_duration_seconds_total", "Time an input spent waiting to push into a full queue.", labelsPlugin, nil)
	descQueueEvents       = prometheus.NewDesc("sluice_queue_events", "Events in the pipeline's queue.", []string{"pipeline", "type"}, nil)
	descQueueBytes        = prometheus.NewDesc("sluice_queue_size_bytes", "Size of the pipeline's queue on disk (0 for the memory queue).", []string{"pipeline", "type"}, nil)
	descQueueMaxBytes     = prometheus.NewDesc("sluice_queue_max_size_bytes", "Limit of the pipeline's queue on disk (queue.max_bytes; 0 for the memory queue).", []string{"pipeline", "type"}, nil)
	descQueueMaxEvents    = prometheus.NewDesc("sluice_queue_max_events", "Capacity of the pipeline's queue in events (0: bounded by bytes).", []string{"pipeline", "type"}, nil)
	descWorkers           = prometheus.NewDesc("sluice_pipeline_workers", "The pipeline's workers (pipeline.workers).", labelsPipeline, nil)
	descUp                = prometheus.NewDesc("sluice_pipeline_up", "1 while the pipeline is running, 0 when loading, finished or terminated.", labelsPipeline, nil)
	descReloads           = prometheus.NewDesc("sluice_pipeline_reloads_total", "Configuration reloads of the pipeline, by result.", []string{"pipeline", "result"}, nil)
	descBuildInfo         = prometheus.NewDesc("sluice_build_info", "Always 1; labels carry the version.", []string{"version"}, nil)
)

type promCollector struct{ m *Monitor }

// Describe sends nothing: the collector is unchecked (its plugins and
// pipelines change with the configuration).
func (promCollector) Describe(chan<- *prometheus.Desc) {}

func (c promCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descBuildInfo, 1, c.m.info.Version)
	s := c.m.snapshot()
	for _, ps := range s.pipelines {
		m, id := &ps.cur, ps.id
		counter(descEventsIn, float64(m.In), id)
		counter(descEventsFiltered, float64(m.Filtered), id)
		counter(descEventsOut, float64(m.Out), id)
		counter(descEventsDuration, m.Duration.Seconds(), id)
		counter(descQueuePushDuration, m.QueuePushDuration.Seconds(), id)
		for _, in := range m.Inputs {
			counter(descPluginOut, float64(in.Out), id, "input", in.Name, in.ID)
			counter(descPluginQueuePush, in.QueuePushDuration.Seconds(), id, "input", in.Name, in.ID)
		}
		for kind, list := range map[string][]pipeline.PluginMetrics{"filter": m.Filters, "output": m.Outputs} {
			for _, p := range list {
				counter(descPluginIn, float64(p.In), id, kind, p.Name, p.ID)
				counter(descPluginOut, float64(p.Out), id, kind, p.Name, p.ID)
				counter(descPluginDuration, p.Duration.Seconds(), id, kind, p.Name, p.ID)
			}
		}
		q := m.Queue
		gauge(descQueueEvents, float64(q.Events), id, q.Type)
		gauge(descQueueBytes, float64(q.Bytes), id, q.Type)
		gauge(descQueueMaxBytes, float64(q.MaxBytes), id, q.Type)
		gauge(descQueueMaxEvents, float64(q.MaxEvents), id, q.Type)
		gauge(descWorkers, float64(m.Workers), id)
		up := 0.0
		if m.State == pipeline.StateRunning {
			up = 1
		}
		gauge(descUp, up, id)
		counter(descReloads, float64(ps.reloads.Successes), id, "success")
		counter(descReloads, float64(ps.reloads.Failures), id, "failure")
	}
}

// metricsHandler serves /metrics from a registry of Sluice's own (with
// Go runtime and process collectors), not the global one.
func (m *Monitor) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(promCollector{m},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: nil, ErrorHandling: promhttp.ContinueOnError})
}
