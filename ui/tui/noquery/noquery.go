// Package noquery keeps bubbletea from querying the terminal when the program starts.
//
// bubbletea v1's init asks Lip Gloss whether the terminal's background is dark, which writes
// an OSC 11 and a cursor-position request to stdout and waits up to 5s for the answers: every
// kubectl-amha run on a terminal, status and version included, would pay for it, and a
// terminal that never answers (some ptys and CI runners) would stall for 5s. amha's styles use
// no adaptive colours, so the answer is never needed; setting it beforehand skips the query.
//
// Go initialises the packages that are ready in order of import path, so this package (it
// imports only Lip Gloss, and ui/tui imports it) runs before github.com/charmbracelet/bubbletea.
package noquery

import "github.com/charmbracelet/lipgloss"

func init() { lipgloss.SetHasDarkBackground(true) }
