package tui

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/amha-dev/kubectl-amha/pkg/model"
	"github.com/amha-dev/kubectl-amha/pkg/watch"
	"github.com/amha-dev/kubectl-amha/ui"
)

// Styles are the report's colours (ui.Styles) plus what only the live view needs. Every
// glyph is chosen so that the view reads the same without colour.
type Styles struct {
	ui.Styles
	Title, Tab, TabActive, Selected, Key lipgloss.Style
	// Changed marks what differs from the last snapshot.
	Changed lipgloss.Style
}

// NewStyles returns colour styles, or plain ones when color is false (NO_COLOR, --color=never).
func NewStyles(color bool) Styles {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	}
	return Styles{
		Styles:    ui.NewStyles(color),
		Title:     r.NewStyle().Bold(true).Foreground(lipgloss.Color("14")),
		Tab:       r.NewStyle().Faint(true),
		TabActive: r.NewStyle().Bold(true).Reverse(true),
		Selected:  r.NewStyle().Bold(true).Reverse(true),
		Key:       r.NewStyle().Bold(true).Foreground(lipgloss.Color("14")),
		Changed:   r.NewStyle().Bold(true).Foreground(lipgloss.Color("13")),
	}
}

// tone is how good or bad a line is.
type tone int

const (
	neutral tone = iota
	good
	warn
	bad
)

// Tone renders a glyph for a tone: ✓ good, ! warning, ✗ bad, · neither.
func (s Styles) Tone(t tone) string {
	switch t {
	case good:
		return s.Good.Render("✓")
	case warn:
		return s.Warning.Render("!")
	case bad:
		return s.Bad.Render("✗")
	}
	return s.Dim.Render("·")
}

// Paint renders text in the colour of a tone.
func (s Styles) Paint(t tone, text string) string {
	switch t {
	case good:
		return s.Good.Render(text)
	case warn:
		return s.Warning.Render(text)
	case bad:
		return s.Bad.Render(text)
	}
	return text
}

// severityTone maps a finding severity to a tone.
func severityTone(v model.Severity) tone {
	switch v {
	case model.Error:
		return bad
	case model.Warning:
		return warn
	}
	return neutral
}

// eventTone says whether an event is news for better or for worse.
func eventTone(k watch.Kind) tone {
	switch k {
	case watch.ReplicaDown, watch.MemberLeft, watch.IslandFormed, watch.ClusterGone, watch.FindingRaised, watch.SnapshotFailed:
		return bad
	case watch.IslandChanged, watch.Settling, watch.StatusChanged, watch.PositionChanged, watch.ReplicaRemoved, watch.DrillStarted, watch.DrillEnded:
		return warn
	case watch.ReplicaUp, watch.MemberJoined, watch.IslandHealed, watch.Settled, watch.FindingCleared, watch.SnapshotOK:
		return good
	}
	return neutral
}
