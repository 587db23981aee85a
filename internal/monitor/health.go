package monitor

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluicelog/sluice/pipeline"
)

// The health report (/_health_report): Logstash's shape — a status per
// pipeline indicator, the worst one for the node — with these probes:
//   - state: LOADING and FINISHED are yellow, TERMINATED is red;
//   - worker saturation: worker_utilization at or over 95% over the last
//     minute (or what history there is) is yellow, at or over 99.9% over
//     the last five minutes is red (the pipeline cannot keep up);
//   - backpressure: inputs blocked on a full queue for half the time or
//     more (queue_backpressure >= 0.5 over the last 10 seconds) is yellow.

// Thresholds of the health probes.
const (
	saturatedYellow     = 95.0
	saturatedRed        = 99.9
	backpressuredYellow = 0.5
)

// Health statuses, best first.
var statusRank = map[string]int{"green": 0, "unknown": 1, "yellow": 2, "red": 3}

func worse(a, b string) string {
	if statusRank[b] > statusRank[a] {
		return b
	}
	return a
}

type healthJSON struct {
	Status     string                   `json:"status"`
	Indicators map[string]indicatorJSON `json:"indicators"`
}

type healthReportJSON struct {
	nodeJSON
	Indicators map[string]indicatorJSON `json:"indicators"`
}

type indicatorJSON struct {
	Status     string                           `json:"status"`
	Symptom    string                           `json:"symptom"`
	Indicators map[string]pipelineIndicatorJSON `json:"indicators"`
}

type pipelineIndicatorJSON struct {
	Status    string          `json:"status"`
	Symptom   string          `json:"symptom"`
	Details   detailsJSON     `json:"details"`
	Diagnosis []diagnosisJSON `json:"diagnosis,omitempty"`
	Impacts   []impactJSON    `json:"impacts,omitempty"`
}

type detailsJSON struct {
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Flow struct {
		WorkerUtilization flowValue `json:"worker_utilization"`
		QueueBackpressure flowValue `json:"queue_backpressure"`
	} `json:"flow"`
}

type diagnosisJSON struct {
	ID     string `json:"id"`
	Cause  string `json:"cause"`
	Action string `json:"action"`
}

type impactJSON struct {
	ID          string   `json:"id"`
	Severity    int      `json:"severity"`
	Description string   `json:"description"`
	ImpactAreas []string `json:"impact_areas"`
}

func (m *Monitor) health(s *snapshot) healthJSON {
	ind := indicatorJSON{Status: "unknown", Indicators: map[string]pipelineIndicatorJSON{}}
	if len(s.pipelines) > 0 {
		ind.Status = "green"
	}
	byStatus := map[string][]string{}
	for i := range s.pipelines {
		ps := &s.pipelines[i]
		pi := ps.indicator(s)
		ind.Indicators[ps.id] = pi
		ind.Status = worse(ind.Status, pi.Status)
		byStatus[pi.Status] = append(byStatus[pi.Status], ps.id)
	}
	for id, d := range s.down {
		ind.Indicators[id] = downIndicator(d, s.at)
		ind.Status = worse(ind.Status, "red")
		byStatus["red"] = append(byStatus["red"], id)
	}
	ind.Symptom = symptom(byStatus)
	return healthJSON{Status: ind.Status, Indicators: map[string]indicatorJSON{"pipelines": ind}}
}

// symptom summarises indicators: "1 indicator is healthy (`main`)".
func symptom(byStatus map[string][]string) string {
	if len(byStatus) == 0 {
		return "no pipelines are running"
	}
	words := map[string]string{"green": "healthy", "yellow": "concerning", "red": "unhealthy", "unknown": "unknown"}
	var parts []string
	for _, st := range []string{"red", "yellow", "unknown", "green"} {
		ids := byStatus[st]
		if len(ids) == 0 {
			continue
		}
		sort.Strings(ids)
		verb := "indicators are"
		if len(ids) == 1 {
			verb = "indicator is"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s (`%s`)", len(ids), verb, words[st], strings.Join(ids, "`, `")))
	}
	return strings.Join(parts, ", ")
}

func (ps *pipeSnap) indicator(s *snapshot) pipelineIndicatorJSON {
	pi := pipelineIndicatorJSON{Status: "green", Symptom: "The pipeline is healthy"}
	pi.Details.Status.State = ps.cur.State.String()
	wu := ps.flow(s.at, workerUtilization)
	bp := ps.flow(s.at, queueBackpressure)
	pi.Details.Flow.WorkerUtilization = wu
	pi.Details.Flow.QueueBackpressure = bp
	add := func(status, symptom, id, cause, action string, severity int, impact string) {
		if statusRank[status] > statusRank[pi.Status] {
			pi.Status, pi.Symptom = status, symptom
		}
		pi.Diagnosis = append(pi.Diagnosis, diagnosisJSON{ID: "sluice:health:pipeline:" + id, Cause: cause, Action: action})
		pi.Impacts = append(pi.Impacts, impactJSON{ID: "sluice:health:pipeline:" + id, Severity: severity,
			Description: impact, ImpactAreas: []string{"pipeline_execution"}})
	}
	switch ps.cur.State {
	case pipeline.StateLoading:
		add("yellow", "The pipeline is loading", "loading", "The pipeline is starting: its inputs are opening.",
			"Wait; if it stays loading, check the log for a plugin retrying a connection.", 2, "The pipeline does not process events yet.")
		return pi
	case pipeline.StateFinished:
		add("yellow", "The pipeline has finished running", "finished", "Every input of the pipeline has finished and its events were processed.",
			"Use inputs that keep running if the pipeline should keep processing events.", 2, "The pipeline processes no more events.")
		return pi
	case pipeline.StateTerminated:
		add("red", "The pipeline is not running", "terminated", "The pipeline stopped or failed to start.",
			"Check the log for the error that stopped it.", 1, "The pipeline processes no events.")
		return pi
	}
	recent := wu.Last1Minute
	if recent == nil {
		recent = wu.Current
	}
	switch {
	case wu.Last5Minutes != nil && *wu.Last5Minutes >= saturatedRed:
		add("red", "The pipeline's workers have been completely busy for five minutes", "worker_utilization:critical",
			"The workers cannot keep up: events arrive faster than filters and outputs process them.",
			"Add workers (pipeline.workers), make slow filters cheaper, or check whether an output is slow or down.", 1,
			"Inputs are slowed down; senders may buffer, retry or drop.")
	case recent != nil && *recent >= saturatedYellow:
		add("yellow", "The pipeline's workers are nearly always busy", "worker_utilization:warning",
			"The workers are close to saturation.",
			"Add workers (pipeline.workers), make slow filters cheaper, or check whether an output is slow.", 2,
			"The pipeline has little headroom for bursts.")
	}
	if bp.Current != nil && *bp.Current >= backpressuredYellow {
		add("yellow", "The pipeline's inputs are blocked by backpressure", "queue_backpressure",
			"The queue is full: inputs wait to push events.",
			"Check the outputs (slow or down) and the workers' utilization.", 2,
			"Inputs are slowed down; senders may buffer, retry or drop.")
	}
	return pi
}

// downIndicator is the indicator of a pipeline that should run but does
// not: its start failed after a reload and is being retried.
func downIndicator(d Down, now time.Time) pipelineIndicatorJSON {
	pi := pipelineIndicatorJSON{Status: "red", Symptom: "The pipeline is down: it failed to start and is being retried"}
	pi.Details.Status.State = "DOWN"
	next := "soon"
	if !d.NextRetry.IsZero() {
		next = "in " + max(d.NextRetry.Sub(now), 0).Round(time.Second).String()
	}
	pi.Diagnosis = []diagnosisJSON{{ID: "sluice:health:pipeline:down",
		Cause:  fmt.Sprintf("%d start attempts failed; the last one: %s. The next attempt is %s.", d.Attempts, d.Error, next),
		Action: "Fix what the error names (often a port another process took), or change the pipeline's configuration: a reload retries at once."}}
	pi.Impacts = []impactJSON{{ID: "sluice:health:pipeline:down", Severity: 1,
		Description: "The pipeline processes no events; its senders buffer, retry or drop.", ImpactAreas: []string{"pipeline_execution"}}}
	return pi
}
