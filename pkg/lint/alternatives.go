package lint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/amha-dev/kubectl-amha/pkg/model"
)

// An input can say, in a comment line before anything else, that it is one form of several
// written to be applied one at a time:
//
//	# amha: alternative alertmanager/statefulset; apply this file or alertmanager-operator.yaml, not both
//
// kubectl amha snippets writes such files: the plain StatefulSet and the prometheus-operator form
// of one cluster, and four ways for Prometheus to find it. Read together they would be two
// workloads of one name sharing Services: a cluster nobody deploys, with findings about that.
// Lint reads every combination of one form of each set with all the other inputs, and reports
// what any combination has.

// AlternativePrefix starts the comment line that makes an input one form of a set.
const AlternativePrefix = "# amha: alternative "

// maxCombinations bounds the combinations lint reads apart.
const maxCombinations = 64

var alternativeRE = regexp.MustCompile(`^# amha: alternative ([a-z0-9][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)(;|\s|$)`)

// AlternativeSet is one set of alternative forms: the files of each form, in input order.
type AlternativeSet struct {
	Set   string     `json:"set"`
	Forms [][]string `json:"forms"`
}

// alternativeOf is the set and form an input declares among its leading comment lines.
func alternativeOf(in Input) (set, form string, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(in.Data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line == "---" {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			return "", "", false
		}
		if m := alternativeRE.FindStringSubmatch(line); m != nil {
			return m[1], m[2], true
		}
	}
	return "", "", false
}

// alternatives groups the inputs that declare a form: the sets in the order they first appear,
// their forms likewise, each form its inputs' indexes.
func alternatives(inputs []Input) (sets []string, forms map[string][]string, members map[string][]int) {
	forms, members = map[string][]string{}, map[string][]int{}
	for i, in := range inputs {
		set, form, ok := alternativeOf(in)
		if !ok {
			continue
		}
		if !slices.Contains(sets, set) {
			sets = append(sets, set)
		}
		key := set + "/" + form
		if !slices.Contains(forms[set], form) {
			forms[set] = append(forms[set], form)
		}
		members[key] = append(members[key], i)
	}
	return sets, forms, members
}

// combinations are the input lists lint reads apart: every other input with one form of each
// set, in input order. Without a set of two forms or more it is the inputs alone.
func combinations(inputs []Input) ([][]Input, []AlternativeSet, error) {
	sets, forms, members := alternatives(inputs)
	total := 1
	var described []AlternativeSet
	for _, set := range sets {
		total *= len(forms[set])
		if total > maxCombinations {
			return nil, nil, fmt.Errorf("the inputs' alternative forms (%s) make more than %d combinations to read apart; lint fewer at once",
				strings.Join(sets, ", "), maxCombinations)
		}
		if len(forms[set]) > 1 {
			d := AlternativeSet{Set: set}
			for _, f := range forms[set] {
				var files []string
				for _, i := range members[set+"/"+f] {
					files = append(files, inputs[i].Name)
				}
				d.Forms = append(d.Forms, files)
			}
			described = append(described, d)
		}
	}
	if len(described) == 0 {
		return [][]Input{inputs}, nil, nil
	}
	// formOf[i] is the set/form of input i, "" for the inputs every combination reads.
	formOf := make([]string, len(inputs))
	for key, idx := range members {
		for _, i := range idx {
			formOf[i] = key
		}
	}
	var out [][]Input
	chosen := make([]string, len(sets))
	var walk func(k int)
	walk = func(k int) {
		if k == len(sets) {
			var in []Input
			for i := range inputs {
				if formOf[i] == "" || slices.Contains(chosen, formOf[i]) {
					in = append(in, inputs[i])
				}
			}
			out = append(out, in)
			return
		}
		for _, f := range forms[sets[k]] {
			chosen[k] = sets[k] + "/" + f
			walk(k + 1)
		}
	}
	walk(0)
	return out, described, nil
}

// unionFindings adds to a the findings of b that a does not have.
func unionFindings(a, b []model.Finding, seen map[string]bool) []model.Finding {
	for _, f := range b {
		k, _ := json.Marshal(f)
		if !seen[string(k)] {
			seen[string(k)] = true
			a = append(a, f)
		}
	}
	return a
}
