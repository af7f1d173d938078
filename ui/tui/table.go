package tui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// table lays out rows in columns by visible width. When the rows do not fit, the columns
// with the lowest priority go first (priority 0: never dropped).
type table struct {
	header []string
	prio   []int
	rows   [][]string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) lines(width int, indent string) []string {
	keep := make([]bool, len(t.header))
	for i := range keep {
		keep[i] = true
	}
	w := make([]int, len(t.header))
	for i, h := range t.header {
		w[i] = ansi.StringWidth(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			w[i] = max(w[i], ansi.StringWidth(c))
		}
	}
	total := func() int {
		n := len(indent)
		for i := range w {
			if keep[i] {
				n += w[i] + 2
			}
		}
		return n - 2
	}
	for total() > width {
		drop := -1
		for i, p := range t.prio {
			if keep[i] && p > 0 && (drop < 0 || p < t.prio[drop]) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		keep[drop] = false
	}
	var out []string
	for _, r := range append([][]string{t.header}, t.rows...) {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range r {
			if !keep[i] {
				continue
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", w[i]-ansi.StringWidth(c)+2))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	return out
}
