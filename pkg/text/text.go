// Package text holds the small wording helpers that checks and commands share.
package text

import (
	"fmt"
	"strings"
)

// Plural is "1 replica" or "3 replicas".
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// DiffLines is a line diff of a and b ("-" only in a, "+" only in b), at most limit lines.
func DiffLines(a, b string, limit int) []string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	const maxLines = 5000
	if len(x) > maxLines || len(y) > maxLines {
		return []string{"(configurations too large to diff)"}
	}
	// Longest common subsequence table, filled from the end.
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	add := func(s string) bool {
		if len(out) == limit {
			out = append(out, "...")
			return false
		}
		out = append(out, s)
		return true
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			if !add("+ " + y[j]) {
				return out
			}
			j++
		default:
			if !add("- " + x[i]) {
				return out
			}
			i++
		}
	}
	return out
}

// Some lists at most n items, then says how many more there are: "a, b and 3 more".
func Some(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

// Or lists choices as a sentence does: "a", "a or b", "a, b or c".
func Or(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}
