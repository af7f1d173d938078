package snippets

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/amha-dev/kubectl-amha/pkg/timing"
)

func scenarioTable(s Spec, scenarios []timing.Scenario) string {
	p := s.Params()
	latency := "receiver latency " + timing.Format(p.ReceiverLatency)
	if p.ReceiverLatency == 0 {
		latency = "receiver latency not given (--receiver-latency)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "What %s notifies in each failure scenario: %d replicas, peer-timeout %s, group_wait %s,\n"+
		"group_interval %s, repeat_interval %s, %s, persistent storage.\n"+
		"Counts are notifications per firing alert group; times are from the first alert reaching the\n"+
		"replicas. Alertmanager fails open: when in doubt it sends twice rather than not at all.\n\n",
		s.Label(), p.Replicas, timing.Format(p.PeerTimeout), timing.Format(p.GroupWait), timing.Format(p.GroupInterval),
		timing.Format(p.RepeatInterval), latency)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tNOTIFICATIONS\tWHEN\tWHAT HAPPENS")
	for _, sc := range scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sc.ID, sc.Count(), sc.When(), sc.Summary)
	}
	tw.Flush()
	for _, sc := range scenarios {
		b.WriteString("\n" + sc.ID + "\n")
		for _, l := range wrap(sc.Explanation, 96) {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}
