package e2e

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/amha-dev/kubectl-amha/pkg/cmd"
	"github.com/amha-dev/kubectl-amha/pkg/drill"
)

// TestDrillRepeatOnRig runs `drill all`, then each drill that all leaves out and that faults
// the cluster (repeated), AMHA_DRILL_REPEAT times on one cluster whose image has kill (make
// drill-repeat; not in every CI run), and writes for each drill how many runs
// passed and its wall time against the waits the cluster and the model impose (the mesh
// settling, the split showing, the count window): amha's own overhead. The table goes to the
// log and to $AMHA_DRILL_REPEAT_OUT when set. Every run of every drill must pass.
func TestDrillRepeatOnRig(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("AMHA_DRILL_REPEAT"))
	if n <= 0 {
		t.Skip("AMHA_DRILL_REPEAT is not set (make drill-repeat N=10)")
	}
	r := newRig(t)
	if os.Getenv("AMHA_RIG_RIGCTL") == "" {
		t.Skip("AMHA_RIG_RIGCTL is not set (eval \"$(test/rig/rig.sh env)\")")
	}
	buildDrillImage(t)
	ns := r.drillClusterImage(t, "amha-drill-repeat", true, amImageWithKill(t))
	type tally struct {
		pass        int
		verdicts    []string
		wall, waits time.Duration
		worst       float64
	}
	by := map[string]*tally{}
	drills := append(append([]string{}, drill.Names...), repeated...)
	for _, d := range drills {
		by[d] = &tally{}
	}
	for i := 1; i <= n; i++ {
		// The previous run's last drill (the partition) recreated a pod: wait until the
		// drill's own preflight passes again.
		deadline := time.Now().Add(3 * time.Minute)
		for {
			if _, code, _ := r.drill(t, "baseline", "-n", ns, "--dry-run", "-o", "json"); code == cmd.ExitOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("run %d: the cluster did not pass the drill's preflight within 3m", i)
			}
			time.Sleep(5 * time.Second)
		}
		rep, code, _ := r.drill(t, "all", "-n", ns, "--yes", "--sink-image", drillImage, "--split-timeout", "20s", "-o", "json")
		for _, extra := range repeated {
			x, xcode, _ := r.drill(t, extra, "-n", ns, "--yes", "--sink-image", drillImage, "-o", "json")
			rep.Drills = append(rep.Drills, x.Drills...)
			code = max(code, xcode)
		}
		for _, d := range rep.Drills {
			tl := by[d.Drill]
			v := string(d.Verdict)
			if v == "" {
				v = "ERROR: " + d.Error
			}
			tl.verdicts = append(tl.verdicts, v)
			if d.Verdict == drill.Pass {
				tl.pass++
			} else {
				t.Errorf("run %d: %s: %s %s", i, d.Drill, v, d.Explanation)
			}
			tl.wall += d.Wall.D()
			tl.waits += d.Waits.D()
			if d.Waits > 0 {
				tl.worst = max(tl.worst, float64(d.Wall)/float64(d.Waits))
			}
		}
		t.Logf("run %d of %d: exit %d", i, n, code)
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "DRILL\tPASS\tMEAN WALL\tMEAN WAITS\tWALL/WAITS (mean)\tWORST\tVERDICTS")
	for _, d := range drills {
		tl := by[d]
		k := time.Duration(max(len(tl.verdicts), 1))
		ratio := 0.0
		if tl.waits > 0 {
			ratio = float64(tl.wall) / float64(tl.waits)
		}
		fmt.Fprintf(w, "%s\t%d of %d\t%s\t%s\t%.2f\t%.2f\t%s\n", d, tl.pass, n, (tl.wall / k).Round(100*time.Millisecond),
			(tl.waits / k).Round(100*time.Millisecond), ratio, tl.worst, strings.Join(tl.verdicts, " "))
	}
	_ = w.Flush()
	t.Logf("%d runs of drill all and %s:\n%s", n, strings.Join(repeated, ", "), b.String())
	if out := os.Getenv("AMHA_DRILL_REPEAT_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// repeated are the drills not in all that make drill-repeat runs too: all-down takes every
// replica down (it runs only with its own flag), and prometheus-fanout changes nothing.
var repeated = []string{drill.RollingRestart, drill.SlowReceiver}
