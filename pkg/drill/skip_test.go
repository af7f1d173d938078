package drill

import (
	"errors"
	"fmt"
	"testing"
)

func TestFaultErrorsBecomeVerdicts(t *testing.T) {
	e := Expectation{Drill: CrashSender, Count: 1}
	for _, tc := range []struct {
		err  error
		want Verdict
	}{
		{&SkipError{Reason: "no kill"}, Skipped},
		{fmt.Errorf("crash: %w", &NoEffectError{Reason: "did not exit"}), Inconclusive},
	} {
		r, err := skipOr(e, tc.err)
		if err != nil || r.Verdict != tc.want || r.Explanation == "" {
			t.Errorf("%v: verdict %q (%q), err %v; want %s", tc.err, r.Verdict, r.Explanation, err, tc.want)
		}
	}
	other := errors.New("API down")
	if _, err := skipOr(e, other); err != other {
		t.Errorf("another error became %v", err)
	}
}
