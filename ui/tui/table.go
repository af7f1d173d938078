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
	// wrapLast wraps the last column's text under itself when the rows are still too wide,
	// rather than cutting it at the screen's edge with no way to read the rest.
	wrapLast bool
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
	last := len(w) - 1
	start := len(indent) // where the last column starts
	for i := range last {
		if keep[i] {
			start += w[i] + 2
		}
	}
	wrapAt := 0
	if t.wrapLast && keep[last] && total() > width && width-start >= 12 {
		wrapAt = width - start
	}
	var out []string
	for n, r := range append([][]string{t.header}, t.rows...) {
		var b strings.Builder
		b.WriteString(indent)
		more := []string(nil)
		for i, c := range r {
			if !keep[i] {
				continue
			}
			if i == last && wrapAt > 0 && n > 0 {
				lines := wrap(c, wrapAt, "")
				c, more = lines[0], lines[1:]
			}
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", max(0, w[i]-ansi.StringWidth(c))+2))
		}
		out = append(out, strings.TrimRight(b.String(), " "))
		for _, l := range more {
			out = append(out, strings.Repeat(" ", start)+l)
		}
	}
	return out
}
