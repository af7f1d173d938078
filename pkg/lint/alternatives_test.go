package lint

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestCombinations(t *testing.T) {
	in := func(name, data string) Input { return Input{Name: name, Data: []byte(data)} }
	names := func(combos [][]Input) [][]string {
		var out [][]string
		for _, c := range combos {
			var n []string
			for _, i := range c {
				n = append(n, i.Name)
			}
			out = append(out, n)
		}
		return out
	}
	inputs := []Input{
		in("am.yaml", "---\n# amha: alternative alertmanager/statefulset; apply this file or op.yaml, not both\nkind: StatefulSet\n"),
		in("common.yaml", "kind: Service\n"),
		in("op.yaml", "# Alertmanager object\n# amha: alternative alertmanager/operator\nkind: Alertmanager\n"),
		in("p1.yaml", "# amha: alternative prometheus/static\nalerting: {}\n"),
		in("p2.yaml", "# amha: alternative prometheus/dns\nalerting: {}\n"),
		// Not in the leading comment: an ordinary input.
		in("late.yaml", "kind: ConfigMap\n# amha: alternative alertmanager/late\n"),
	}
	combos, alts, err := combinations(inputs)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"am.yaml", "common.yaml", "p1.yaml", "late.yaml"},
		{"am.yaml", "common.yaml", "p2.yaml", "late.yaml"},
		{"common.yaml", "op.yaml", "p1.yaml", "late.yaml"},
		{"common.yaml", "op.yaml", "p2.yaml", "late.yaml"},
	}
	if got := names(combos); !reflect.DeepEqual(got, want) {
		t.Errorf("combinations\n%v\nwant\n%v", got, want)
	}
	wantAlts := []AlternativeSet{
		{Set: "alertmanager", Forms: [][]string{{"am.yaml"}, {"op.yaml"}}},
		{Set: "prometheus", Forms: [][]string{{"p1.yaml"}, {"p2.yaml"}}},
	}
	if !reflect.DeepEqual(alts, wantAlts) {
		t.Errorf("alternatives %+v, want %+v", alts, wantAlts)
	}

	// One form of a set is no choice: everything is read together, as without the lines.
	combos, alts, err = combinations(inputs[:2])
	if err != nil || len(combos) != 1 || len(combos[0]) != 2 || alts != nil {
		t.Errorf("one form: %v %v %v", names(combos), alts, err)
	}

	// Sets of two forms each, seven of them: 128 combinations are refused, not read.
	var many []Input
	for s := range 7 {
		for f := range 2 {
			many = append(many, in(fmt.Sprintf("%d-%d.yaml", s, f), fmt.Sprintf("# amha: alternative s%d/f%d\n", s, f)))
		}
	}
	if _, _, err := combinations(many); err == nil || !strings.Contains(err.Error(), "more than 64 combinations") {
		t.Errorf("128 combinations: %v", err)
	}
}
