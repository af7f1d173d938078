// Package ui renders amha's reports: text tables for people, JSON and YAML for machines, and
// (later) the interactive view. It does no I/O besides writing to the writer it is given.
package ui

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// Styles holds every colour amha uses, in one place.
type Styles struct {
	Header, Dim, Bold    lipgloss.Style
	Error, Warning, Info lipgloss.Style
	Good, Bad, Unknown   lipgloss.Style
	renderer             *lipgloss.Renderer
}

// NewStyles returns colour styles, or plain ones when color is false.
func NewStyles(color bool) Styles {
	r := lipgloss.NewRenderer(nil)
	if color {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	s := Styles{renderer: r}
	s.Header = r.NewStyle().Bold(true)
	s.Bold = r.NewStyle().Bold(true)
	s.Dim = r.NewStyle().Faint(true)
	s.Error = r.NewStyle().Foreground(lipgloss.Color("9")).Bold(true)
	s.Warning = r.NewStyle().Foreground(lipgloss.Color("11")).Bold(true)
	s.Info = r.NewStyle().Foreground(lipgloss.Color("12"))
	s.Good = r.NewStyle().Foreground(lipgloss.Color("10"))
	s.Bad = r.NewStyle().Foreground(lipgloss.Color("9")).Bold(true)
	s.Unknown = r.NewStyle().Foreground(lipgloss.Color("8"))
	return s
}

// MeshStatus styles a replica's cluster status: ready, settling, or anything else (disabled).
func (s Styles) MeshStatus(status string) string {
	switch status {
	case "ready":
		return s.Good.Render(status)
	case "settling":
		return s.Warning.Render(status)
	}
	return s.Bad.Render(status)
}

// Cell renders one entry of the peer matrix: ● self, ✓ sees, ✗ does not see, ? not asked.
func (s Styles) Cell(c model.Cell) string {
	switch c {
	case model.CellSelf:
		return s.Good.Render("●")
	case model.CellSees:
		return s.Good.Render("✓")
	case model.CellMissing:
		return s.Bad.Render("✗")
	}
	return s.Unknown.Render("?")
}

// Severity styles a severity name.
func (s Styles) Severity(v model.Severity) string {
	switch v {
	case model.Error:
		return s.Error.Render("error")
	case model.Warning:
		return s.Warning.Render("warning")
	}
	return s.Info.Render("info")
}
