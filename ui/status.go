package ui

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/findings"
	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/text"
)

// StatusReport is what `status -o json|yaml` prints, in the envelope of kind "StatusReport".
type StatusReport struct {
	Clusters []model.Cluster `json:"clusters"`
}

// NewStatusReport is the report of clusters, with empty lists where there is nothing.
func NewStatusReport(cs []model.Cluster) StatusReport {
	if cs == nil {
		cs = []model.Cluster{}
	}
	for i := range cs {
		cs[i].Findings = Linked(cs[i].Findings)
		cs[i].Suppressed = LinkedSuppressed(cs[i].Suppressed)
	}
	return StatusReport{Clusters: cs}
}

// Linked is a copy of fs (an empty list for none) with each finding's Doc set: the URL of its
// id's page at this binary's version.
func Linked(fs []model.Finding) []model.Finding {
	out := make([]model.Finding, len(fs))
	for i, f := range fs {
		f.Doc = findings.DocURL(f.ID)
		out[i] = f
	}
	return out
}

// LinkedSuppressed is Linked for suppressed findings (nil for none).
func LinkedSuppressed(sup []model.SuppressedFinding) []model.SuppressedFinding {
	if len(sup) == 0 {
		return nil
	}
	out := make([]model.SuppressedFinding, len(sup))
	for i, f := range sup {
		f.Doc = findings.DocURL(f.ID)
		out[i] = f
	}
	return out
}

// TextOptions shape the text report.
type TextOptions struct {
	Wide bool
	// Now is used for ages; zero means the cluster's collection time.
	Now time.Time
	// ShowSuppressed lists the suppressed findings; without it they are counted.
	ShowSuppressed bool
}

// WriteText prints clusters as tables, matrix and findings for people.
func WriteText(w io.Writer, cs []model.Cluster, s Styles, o TextOptions) error {
	cs = Cleaned(cs) // what replicas said is printed, never obeyed by the terminal
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("\n")
		}
		renderCluster(&b, c, s, o)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderCluster(b *strings.Builder, c model.Cluster, s Styles, o TextOptions) {
	now := o.Now
	if now.IsZero() {
		now = c.CollectedAt
	}
	name := c.Name
	if c.Namespace != "" {
		name = c.Namespace + "/" + c.Name
	}
	ok := 0
	for _, r := range c.Replicas {
		if r.OK() {
			ok++
		}
	}
	want := len(c.Replicas)
	if c.DesiredReplicas > 0 {
		want = c.DesiredReplicas
	}
	fmt.Fprintf(b, "%s %s  %s\n", s.Bold.Render("Alertmanager cluster"), s.Bold.Render(name),
		s.Dim.Render(fmt.Sprintf("(%s; %d of %d replicas answered; peer-timeout %s)", c.Source, ok, want, c.PeerTimeout)))
	renderDrills(b, c, s)
	b.WriteString("\n")
	renderReplicas(b, c, s, o, now)
	b.WriteString("\n")
	renderMatrix(b, c, s)
	if len(c.Prometheus) > 0 {
		b.WriteString("\n")
		renderPrometheus(b, c, s)
	}
	if c.Probe != nil {
		b.WriteString("\n")
		renderProbe(b, c, s)
	}
	b.WriteString("\n")
	renderFindings(b, c.Findings, s)
	renderSuppressed(b, c.Suppressed, s, o.ShowSuppressed)
}

// renderDrills says which drills are in progress, and what shows them: the findings they
// cause on purpose are kept at info.
func renderDrills(b *strings.Builder, c model.Cluster, s Styles) {
	for _, d := range c.Drills {
		var seen []string
		if len(d.Objects) > 0 {
			seen = append(seen, "objects "+strings.Join(d.Objects, ", "))
		}
		if len(d.Alerting) > 0 {
			seen = append(seen, "its alert on "+strings.Join(d.Alerting, ", "))
		}
		fmt.Fprintf(b, "%s %s\n", s.Warning.Render(d.String()), s.Dim.Render("("+strings.Join(seen, "; ")+"; the findings it causes on purpose are kept at info)"))
	}
}

func renderReplicas(b *strings.Builder, c model.Cluster, s Styles, o TextOptions, now time.Time) {
	var t table
	hdr := []string{"REPLICA", "POD", "MESH", "POS", "MEMBERS", "FAILED", "CONFIG", "VERSION", "UPTIME", "ALERTS", "SILENCES"}
	if o.Wide {
		hdr = append(hdr, "NODE NAME", "HEALTH", "RESTARTS", "ENDPOINT")
	}
	for i := range hdr {
		hdr[i] = s.Header.Render(hdr[i])
	}
	t.add(hdr...)
	for _, r := range c.Replicas {
		pod := "-"
		if r.Pod != nil {
			pod = r.Pod.Phase
			if r.Pod.Ready {
				pod += "/Ready"
			} else {
				pod += "/NotReady"
			}
			if r.Pod.Deleted {
				pod = "deleted"
			}
		}
		if r.Status == nil {
			row := []string{r.Name, pod, s.Bad.Render("unreachable"), "-", "-", "-", "-", "-", "-", "-", "-"}
			if o.Wide {
				row = append(row, "-", "-", restarts(r), endpoint(r))
			}
			t.add(row...)
			continue
		}
		mesh := s.MeshStatus(r.Status.Cluster)
		m := r.Metrics
		if m == nil {
			m = &model.Metrics{}
		}
		row := []string{
			r.Name, pod, mesh,
			Num(m.Position), strconv.Itoa(len(r.Status.Peers)), Num(m.FailedPeers),
			OrDash(m.ConfigHash), OrDash(r.Status.Version), age(now, r.Status.Uptime),
			strconv.Itoa(r.AlertCount), strconv.Itoa(r.SilenceCount),
		}
		if o.Wide {
			row = append(row, OrDash(r.Status.NodeName), Num(m.HealthScore), restarts(r), endpoint(r))
		}
		t.add(row...)
	}
	t.render(b, "")
	for _, r := range c.Replicas {
		if r.Error != "" {
			fmt.Fprintf(b, "  %s %s: %s\n", s.Bad.Render("!"), r.Name, r.Error)
		}
		for _, p := range r.Partial {
			fmt.Fprintf(b, "  %s %s: %s\n", s.Warning.Render("!"), r.Name, p)
		}
	}
	for _, n := range c.Notes {
		fmt.Fprintf(b, "  %s %s\n", s.Dim.Render("note:"), n)
	}
	for _, r := range c.Replicas {
		if r.Pod != nil {
			b.WriteString(s.Dim.Render("  Pod Ready comes from a readiness probe (/-/ready or /), which answers 200 even while gossip settles: it says nothing about the mesh; MESH does.") + "\n")
			break
		}
	}
}

// maxMatrixColumns is the most members the text matrix shows.
const maxMatrixColumns = 32

func renderMatrix(b *strings.Builder, c model.Cluster, s Styles) {
	m := c.Matrix
	if m == nil {
		return
	}
	b.WriteString(s.Bold.Render("Peer mesh") + s.Dim.Render("  (rows: replicas asked; columns: members they report; ● self, ✓ sees, ✗ does not see, ? not asked)") + "\n")
	if len(m.Columns) == 0 {
		b.WriteString("  no replica reported any member\n")
		return
	}
	// A mesh anyone can join may list any number of members: the replicas' own come first, the
	// rest are summed up (every column is in -o json).
	cols := m.Columns[:min(len(m.Columns), maxMatrixColumns)]
	var t table
	hdr := []string{""}
	for j := range cols {
		hdr = append(hdr, s.Header.Render(fmt.Sprintf("[%d]", j)))
	}
	t.add(hdr...)
	for i, row := range m.Cells {
		cells := []string{m.Rows[i]}
		for _, cell := range row[:len(cols)] {
			cells = append(cells, " "+s.Cell(cell))
		}
		t.add(cells...)
	}
	t.render(b, "  ")
	var legend table
	for j, col := range cols {
		who := col.Replica
		if who == "" {
			who = s.Bad.Render("not a replica of this cluster")
		}
		legend.add(fmt.Sprintf("[%d]", j), who, s.Dim.Render(col.Name), s.Dim.Render(col.Address))
	}
	legend.render(b, "  ")
	if hidden := len(m.Columns) - len(cols); hidden > 0 {
		fmt.Fprintf(b, "  %s\n", s.Bad.Render(fmt.Sprintf("... and %d more members, not shown (every column: -o json)", hidden)))
	}
	if len(m.Islands) > 1 {
		var parts []string
		for _, g := range m.Islands {
			parts = append(parts, "{"+strings.Join(g, ", ")+"}")
		}
		fmt.Fprintf(b, "  %s %s\n", s.Bad.Render(fmt.Sprintf("%d islands:", len(m.Islands))), strings.Join(parts, " "))
	}
}

func renderPrometheus(b *strings.Builder, c model.Cluster, s Styles) {
	b.WriteString(s.Bold.Render("Prometheus wiring") + s.Dim.Render("  (where each Prometheus sends alerts: it must be every replica's own web address)") + "\n")
	for _, p := range c.Prometheus {
		if p.Error != "" {
			fmt.Fprintf(b, "  %s: %s\n", p.Name, s.Bad.Render(p.Error))
			continue
		}
		fmt.Fprintf(b, "  %s: %d active\n", p.Name, len(p.Active))
		for _, a := range p.Active {
			fmt.Fprintf(b, "    %s\n", a)
		}
	}
}

func renderProbe(b *strings.Builder, c model.Cluster, s Styles) {
	p := c.Probe
	b.WriteString(s.Bold.Render("Gossip probe") + s.Dim.Render(fmt.Sprintf("  (a silence created on %s; arrival on each replica; budget peer-timeout %s)", p.Origin, c.PeerTimeout)) + "\n")
	var t table
	for _, r := range p.Results {
		if r.After == nil {
			t.add(r.Replica, s.Bad.Render("never arrived"), s.Dim.Render(r.Error))
		} else {
			t.add(r.Replica, r.After.D().Round(time.Millisecond).String())
		}
	}
	t.render(b, "  ")
	if p.Error != "" {
		fmt.Fprintf(b, "  %s %s\n", s.Warning.Render("!"), p.Error)
	}
}

// WriteFindings prints findings for people; none prints empty instead.
func WriteFindings(w io.Writer, fs []model.Finding, s Styles, empty string) error {
	fs = Cleaned(fs)
	var b strings.Builder
	if len(fs) == 0 {
		b.WriteString(s.Good.Render(empty) + "\n")
	} else {
		renderFindings(&b, fs, s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func renderFindings(b *strings.Builder, fs []model.Finding, s Styles) {
	if len(fs) == 0 {
		b.WriteString(s.Good.Render("No findings: the mesh is whole and consistent.") + "\n")
		return
	}
	b.WriteString(s.Bold.Render(fmt.Sprintf("Findings (%d)", len(fs))) + "\n")
	for _, f := range fs {
		renderFinding(b, f, s)
	}
}

func renderFinding(b *strings.Builder, f model.Finding, s Styles) {
	syms := make([]string, len(f.Symptoms))
	for i, x := range f.Symptoms {
		syms[i] = string(x)
	}
	head := fmt.Sprintf("%s %s", s.Severity(f.Severity), s.Bold.Render(f.ID))
	if len(syms) > 0 {
		head += s.Dim.Render(" (" + strings.Join(syms, ", ") + ")")
	}
	b.WriteString(head + "\n")
	if len(f.Objects) > 0 {
		fmt.Fprintf(b, "  on: %s\n", strings.Join(f.Objects, ", "))
	}
	for _, l := range f.Locations {
		fmt.Fprintf(b, "  at: %s\n", l)
	}
	fmt.Fprintf(b, "  %s\n", f.Message)
	for _, d := range f.Details {
		fmt.Fprintf(b, "    %s\n", s.Dim.Render(d))
	}
	fmt.Fprintf(b, "  %s %s\n", s.Bold.Render("fix:"), f.Fix)
	fmt.Fprintf(b, "  %s %s\n", s.Bold.Render("docs:"), s.Dim.Render(findings.DocURL(f.ID)))
}

// WriteSuppressed prints what the text reports end with when findings were suppressed: each
// of them with what suppressed it when show is set, and the count with the reasons.
func WriteSuppressed(w io.Writer, sup []model.SuppressedFinding, s Styles, show bool) error {
	var b strings.Builder
	renderSuppressed(&b, Cleaned(sup), s, show)
	_, err := io.WriteString(w, b.String())
	return err
}

func renderSuppressed(b *strings.Builder, sup []model.SuppressedFinding, s Styles, show bool) {
	if len(sup) == 0 {
		return
	}
	b.WriteString("\n")
	if show {
		b.WriteString(s.Bold.Render(fmt.Sprintf("Suppressed (%d)", len(sup))) + "\n")
		for _, f := range sup {
			renderFinding(b, f.Finding, s)
			fmt.Fprintf(b, "  %s %s\n", s.Bold.Render("suppressed by:"), f.SuppressedBy)
		}
		b.WriteString("\n")
	}
	b.WriteString(s.Dim.Render(SuppressedSummary(sup, show)) + "\n")
}

// SuppressedSummary is the line that counts suppressed findings, with what suppressed which
// ids: "3 findings suppressed (k8s/pdb, k8s/spread by annotation on StatefulSet monitoring/am;
// cluster/label-missing by --disable); --show-suppressed lists them". "" for none.
func SuppressedSummary(sup []model.SuppressedFinding, shown bool) string {
	if len(sup) == 0 {
		return ""
	}
	// The ids of each reason, reasons in order of first appearance.
	var reasons []string
	ids := map[string][]string{}
	for _, f := range sup {
		why := f.SuppressedBy.String()
		if _, ok := ids[why]; !ok {
			reasons = append(reasons, why)
		}
		if !slices.Contains(ids[why], f.ID) {
			ids[why] = append(ids[why], f.ID)
		}
	}
	parts := make([]string, len(reasons))
	for i, why := range reasons {
		parts[i] = strings.Join(ids[why], ", ") + " by " + why
	}
	line := fmt.Sprintf("%s suppressed (%s)", text.Plural(len(sup), "finding", "findings"), strings.Join(parts, "; "))
	if !shown {
		line += "; --show-suppressed lists them"
	}
	return line
}

// Num prints an optional figure, "-" when absent.
func Num(v *float64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// OrDash prints "-" for an empty string.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// endpoint is where the replica answers: for a pod its own web address (the port-forward
// amha used is gone when the report is read; -o json keeps it), else the URL given.
func endpoint(r model.Replica) string {
	if r.Pod != nil && len(r.WebAddresses) > 0 {
		return r.WebAddresses[0]
	}
	return r.Endpoint
}

func restarts(r model.Replica) string {
	if r.Pod == nil {
		return "-"
	}
	return strconv.Itoa(int(r.Pod.Restarts))
}

// age prints a duration the way kubectl does: 45s, 12m, 3h, 5d.
func age(now, since time.Time) string {
	if since.IsZero() {
		return "-"
	}
	d := now.Sub(since)
	switch {
	case d < 0:
		return "0s"
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
